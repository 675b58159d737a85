"""Rows of the review tables as the queue's models, the SQL conditions of its filters, and
the priority an item ranks by (a spot check past its SLA is raised), in SQL and in Python."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Row, and_, case, literal, or_

from verifier.review.config import ReviewConfig
from verifier.review.schemas import Lease, QueueFilter, ReviewEvent, ReviewItem
from verifier.store.tables import review_items

OPEN = ("pending", "claimed")
c = review_items.c


def utc(at: datetime | None) -> datetime | None:
    """A stored time as aware UTC (SQLite gives it back naive)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def iso(at: datetime | None) -> str:
    """A stored time as ISO text for an event's data ("?" when there is none)."""
    got = utc(at)
    return got.isoformat() if got is not None else "?"


def lease_of(row: Row[Any], now: datetime) -> Lease | None:
    """The live lease on an item, if any."""
    until = utc(row.lease_until)
    if row.status != "claimed" or until is None or until <= now or row.claimed_by is None:
        return None
    return Lease(holder=row.claimed_by, claimed_at=utc(row.claimed_at), expires_at=until,
                 seconds_left=round((until - now).total_seconds(), 1))


def overdue_sample(top: float, now: datetime) -> tuple[ColumnElement[bool], ...]:
    """An open spot check past its SLA by `now` whose stored priority is below `top` (the
    pack's `priority.sample_overdue`): one the raise applies to and has not yet been
    written to (`verifier.review.escalation`)."""
    return c.kind == "sample", c.status.in_(OPEN), c.due_at <= now, c.priority < top


def ranked(top: float, now: datetime) -> ColumnElement[float]:
    """The priority an item ranks by, as SQL: its stored one, or `top` for an overdue spot
    check the sweeper has not raised yet. Listings, claims and single-item reads order and
    show by it in the statement they run anyway, so no read waits for (or does) the raise."""
    return case((and_(*overdue_sample(top, now)), literal(top)), else_=c.priority)


def ranked_priority(row: Row[Any], top: float, now: datetime) -> float:
    """`ranked` of one row, in Python (the rule must stay the same as the SQL's)."""
    due = utc(row.due_at)
    if (row.kind == "sample" and row.status in OPEN and due is not None and due <= now
            and row.priority < top):
        return top
    return float(row.priority)


def to_item(row: Row[Any], cfg: ReviewConfig, now: datetime) -> ReviewItem:
    """A review_items row as the API shows it."""
    due = utc(row.due_at)
    reason = cfg.reasons.get(row.reason) if row.reason else None
    status = row.status
    lease = lease_of(row, now)
    if status == "claimed" and lease is None:
        status = "pending"  # the lease ran out; the next sweep records it
    return ReviewItem(
        id=row.decision_id, decision_id=row.decision_id, kind=row.kind, status=status,
        portal=row.portal, posting_id=row.posting_id, version=row.version,
        priority=ranked_priority(row, cfg.sla.priority.sample_overdue, now),
        risk_score=row.risk_score, rules=row.rule_ids.split(),
        campaign=row.campaign, enterprise_uscc=row.enterprise_uscc,
        created_at=utc(row.created_at) or now, due_at=due,
        overdue=due is not None and row.status in OPEN and due < now,
        lease=lease, outcome=row.outcome, reason=row.reason,
        reason_label=reason.label if reason else None, note=row.note,
        resolved_by=row.resolved_by, resolved_at=utc(row.resolved_at),
        superseded_by=row.superseded_by, resolution_id=row.resolution_id,
    )


def to_event(row: Row[Any]) -> ReviewEvent:
    """A review_events row."""
    return ReviewEvent(id=row.id, item_id=row.item_id, kind=row.kind, actor=row.actor,
                       at=utc(row.at) or datetime.now(UTC), data=orjson.loads(row.data))


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(flt: QueueFilter, now: datetime) -> list[ColumnElement[bool]]:
    """SQL conditions of the queue filters (status is the caller's)."""
    out: list[ColumnElement[bool]] = []
    if flt.kind is not None:
        out.append(c.kind == flt.kind)
    if flt.portal is not None:
        out.append(c.portal == flt.portal)
    if flt.campaign is not None:
        out.append(c.campaign == flt.campaign)
    if flt.uscc is not None:
        out.append(c.enterprise_uscc == flt.uscc)
    if flt.rule is not None:
        rule = _like(flt.rule.rstrip("."))
        out.append(or_(c.rule_ids.like(f"% {rule} %", escape="\\"),
                       c.rule_ids.like(f"% {rule}.%", escape="\\")))
    if flt.overdue is True:
        out.append(and_(c.status.in_(OPEN), c.due_at < now))
    elif flt.overdue is False:
        out.append(or_(c.status.not_in(OPEN), c.due_at.is_(None), c.due_at >= now))
    return out
