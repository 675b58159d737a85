"""Reading the queue: filtered pages with counts, one item with everything a reviewer needs
(decision, posting, events, notes, diff against the earlier version, earlier notes), and a
decision as the portal sees it, with its review."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from verifier.models import Decision, ReviewState
from verifier.review.config import ReviewConfig
from verifier.review.diff import posting_diff
from verifier.review.rows import OPEN, conditions, ranked, to_event, to_item, utc
from verifier.review.schemas import (
    Counts,
    EarlierVersion,
    ItemDetail,
    ItemFilter,
    ItemPage,
    ReviewError,
    ReviewEvent,
)
from verifier.store.tables import decisions, review_events, review_items

c = review_items.c
STATUSES = ("pending", "claimed", "approved", "rejected", "superseded")


def encode_cursor(priority: float, item_id: str) -> str:
    """An opaque cursor after (priority, id)."""
    return base64.urlsafe_b64encode(orjson.dumps([priority, item_id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """(priority, id) of a cursor; 422 naming `cursor` when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        prio, item_id = orjson.loads(raw)
        if isinstance(prio, bool) or not isinstance(prio, int | float):
            raise ValueError("priority")
        if not isinstance(item_id, str) or "\x00" in item_id:
            raise ValueError("id")
        return float(prio), item_id
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise ReviewError(422, "cursor is not a cursor this service gave out.",
                          "cursor") from None


async def list_items(engine: AsyncEngine, cfg: ReviewConfig, flt: ItemFilter, now: datetime,
                     *, cursor: str | None = None, limit: int = 50) -> ItemPage:
    """One page of matching items in claim order (priority, an overdue spot check counting
    as raised, `rows.ranked`; then id), with counts."""
    where = conditions(flt, now)
    rank = ranked(cfg.sla.priority.sample_overdue, now)
    query = select(review_items, rank.label("rank")).where(*where)
    if flt.status is not None:
        query = query.where(c.status == flt.status)
    if cursor:
        prio, after = decode_cursor(cursor)
        query = query.where((rank < prio) | ((rank == prio) & (c.decision_id > after)))
    query = query.order_by(rank.desc(), c.decision_id.asc()).limit(limit + 1)
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
        counts = await _counts(conn, where, now)
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = encode_cursor(rows[-1].rank, rows[-1].decision_id) if more and rows else None
    return ItemPage(items=[to_item(r, cfg, now) for r in rows], next_cursor=nxt, counts=counts)


async def _counts(conn: AsyncConnection, where: list[Any], now: datetime) -> Counts:
    by: dict[str, int] = dict((await conn.execute(
        select(c.status, func.count()).where(*where).group_by(c.status))).all())
    overdue = (await conn.execute(select(func.count()).where(
        *where, c.status.in_(OPEN), c.due_at < now))).scalar_one()
    got = {s: int(by.get(s, 0)) for s in STATUSES}
    return Counts(total=sum(got.values()), overdue=int(overdue), **got)


def posting_of(decision_payload: dict[str, Any]) -> dict[str, Any] | None:
    """The posting stored with a decision, when the log holds it."""
    posting = decision_payload.get("posting")
    return posting if isinstance(posting, dict) else None


async def get_item(engine: AsyncEngine, cfg: ReviewConfig, item_id: str,
                   now: datetime) -> ItemDetail:
    """One item with its decision, posting, events, notes, diff and earlier versions."""
    async with engine.connect() as conn:
        row = (await conn.execute(select(review_items).where(c.decision_id == item_id))).first()
        if row is None:
            raise ReviewError(404, f"No review item {item_id!r}.")
        logged = (await conn.execute(
            select(decisions.c.seq, decisions.c.payload, decisions.c.decision_id,
                   decisions.c.version, decisions.c.outcome, decisions.c.decided_at)
            .where(decisions.c.portal == row.portal,
                   decisions.c.posting_id == row.posting_id)
            .order_by(decisions.c.seq))).all()
        events = [to_event(e) for e in (await conn.execute(
            select(review_events).where(review_events.c.item_id == item_id)
            .order_by(review_events.c.id))).all()]
        by_id = {r.decision_id: orjson.loads(r.payload) for r in logged}
        earlier = await _earlier(conn, row, [r for r in logged
                                             if "resolution" not in by_id[r.decision_id]])
    payload = by_id[item_id]
    decision = Decision.model_validate(payload)
    posting = posting_of(payload)
    prev = [r for r in logged if r.version == row.version - 1
            and "resolution" not in by_id[r.decision_id]]
    diff = None
    if prev and posting is not None:
        old = posting_of(by_id[prev[-1].decision_id])
        diff = posting_diff(old, posting) if old is not None else None
    return ItemDetail(
        item=to_item(row, cfg, now), decision=decision, posting=posting, events=events,
        notes=[e for e in events if e.kind == "note"], diff=diff, earlier=earlier)


async def _earlier(conn: AsyncConnection, row: Row[Any],
                   logged: Sequence[Any]) -> list[EarlierVersion]:
    """Earlier versions of the item's posting, each with its item's notes."""
    versions = [r for r in logged if r.version < row.version]
    if not versions:
        return []
    ids = [r.decision_id for r in versions]
    items = dict((await conn.execute(select(c.decision_id, c.status)
                                     .where(c.decision_id.in_(ids)))).all())
    notes: dict[str, list[ReviewEvent]] = {}
    for e in (await conn.execute(select(review_events).where(
            review_events.c.item_id.in_(ids), review_events.c.kind.in_(("note", "resolved")))
            .order_by(review_events.c.id))).all():
        ev = to_event(e)
        if ev.kind == "note" or ev.data.get("note"):
            notes.setdefault(e.item_id, []).append(ev)
    return [EarlierVersion(decision_id=r.decision_id, version=r.version, outcome=r.outcome,
                           decided_at=utc(r.decided_at) or r.decided_at,
                           item_status=items.get(r.decision_id),
                           notes=notes.get(r.decision_id, []))
            for r in reversed(versions)]


def review_state(row: Row[Any], cfg: ReviewConfig, now: datetime) -> ReviewState:
    """An item as the portal's view of the decision shows it."""
    item = to_item(row, cfg, now)
    times = [t for t in (item.created_at, utc(row.claimed_at), item.resolved_at) if t]
    return ReviewState(
        status=item.status, updated_at=max(times) if times else None, kind=item.kind,
        outcome=item.outcome, reason=item.reason, reason_label=item.reason_label,
        reviewer=item.resolved_by, note=item.note, created_at=item.created_at,
        due_at=item.due_at, claimed_at=utc(row.claimed_at) if item.lease else None,
        resolved_at=item.resolved_at, superseded_by=item.superseded_by,
        resolution_id=item.resolution_id)


async def review_states(engine: AsyncEngine, cfg: ReviewConfig, ids: list[str],
                        now: datetime) -> dict[str, ReviewState]:
    """The review of each decision that has one."""
    if not ids:
        return {}
    async with engine.connect() as conn:
        rows = (await conn.execute(select(review_items).where(c.decision_id.in_(ids)))).all()
    return {r.decision_id: review_state(r, cfg, now) for r in rows}


async def current_decision(engine: AsyncEngine, cfg: ReviewConfig, portal: str,
                           posting_id: str, now: datetime) -> Decision | None:
    """The latest decision on a posting (not a resolution entry), with its review."""
    async with engine.connect() as conn:
        rows = (await conn.execute(
            select(decisions.c.payload).where(decisions.c.portal == portal,
                                              decisions.c.posting_id == posting_id)
            .order_by(decisions.c.seq.desc()).limit(2))).scalars().all()
        logged = [Decision.model_validate_json(p) for p in rows]
        found = next((d for d in logged if d.resolution is None), None)
        if found is None:
            return None
        item = (await conn.execute(select(review_items).where(
            c.decision_id == found.decision_id))).first()
    if item is None:
        return found
    return found.model_copy(update={"review": review_state(item, cfg, now)})
