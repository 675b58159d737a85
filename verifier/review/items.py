"""Review items as the decision writer creates them: one per flagged decision and one per
sampled approval, with priority, SLA due time, portal, employer and acting rules; and the
closing of a resubmitted posting's open items (superseded). Runs inside the writer's batch
transaction (`ReviewHook`), so a flagged decision is never logged without its item."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, and_, select, update

from verifier.models import Decision, Finding, Outcome, Severity
from verifier.review.config import ItemKind, ReviewConfig
from verifier.store.side_writes import Written as Logged
from verifier.store.sql import insert_rows
from verifier.store.tables import review_events, review_items

SYSTEM = "system"
"""The actor of events no person caused (supersession, lease expiry)."""
ZJTX_TAGS = ("专精特新", "专精特新“小巨人”")


def sampled(decision_id: str, share: float) -> bool:
    """Whether an approval is spot-checked: a hash of its id below `share` (the same answer
    on every instance and every replay)."""
    if share <= 0:
        return False
    h = int.from_bytes(hashlib.sha256(decision_id.encode()).digest()[:8], "big")
    return h / 2**64 < share


def acting(findings: list[Finding]) -> list[Finding]:
    """The findings that sent a decision to a person: its flag findings, or (flagged on the
    risk score alone) every scored one; shadow findings never count."""
    live = [f for f in findings if not f.shadow]
    flags = [f for f in live if f.severity is not Severity.info]
    return flags or [f for f in live if f.score > 0]


def rule_field(findings: list[Finding]) -> str:
    """Rule ids as stored for filtering: space-separated and space-delimited."""
    ids = sorted({f.rule for f in findings})
    return f" {' '.join(ids)} " if ids else ""


def priority(cfg: ReviewConfig, d: Decision, kind: ItemKind, in_campaign: bool) -> float:
    """The claim order's weight of one item (see rules/review/sla.toml): a spot check has
    the flat `sample` weight (an approval's risk is not a reason to look sooner; it waits
    behind flagged items until its SLA runs out, then ranks as raised, see
    `verifier.review.rows.ranked`)."""
    w = cfg.sla.priority
    if kind == "sample":
        return round(w.sample, 3)
    p = w.risk * d.risk_score
    families = {f.rule.split(".", 1)[0] for f in acting(d.findings)}
    p += sum(w.families.get(f, 0.0) for f in families)
    if any(t in d.tags for t in ZJTX_TAGS):
        p += w.zjtx
    if in_campaign:
        p += w.campaign
    return round(p, 3)


def item_row(cfg: ReviewConfig, d: Decision, seq: int, kind: ItemKind,
             now: datetime) -> dict[str, Any]:
    """The review item row of a new decision."""
    campaign = cfg.campaign_of(d.tags)
    return {
        "decision_id": d.decision_id, "decision_seq": seq, "portal": d.portal,
        "posting_id": d.posting_id, "status": "pending", "created_at": now,
        "kind": kind, "version": d.version,
        "priority": priority(cfg, d, kind, campaign is not None),
        "risk_score": d.risk_score, "severity": "flag" if kind == "flag" else "info",
        "rule_ids": rule_field(acting(d.findings)),
        "campaign": campaign.id if campaign else None,
        "enterprise_uscc": d.enterprise.uscc if d.enterprise else None,
        "due_at": now + cfg.due_in(kind, campaign),
    }


def event_row(item_id: str, kind: str, actor: str, at: datetime,
              **data: Any) -> dict[str, Any]:
    """One review_events row."""
    return {"item_id": item_id, "kind": kind, "actor": actor, "at": at,
            "data": orjson.dumps(data, option=orjson.OPT_SORT_KEYS).decode()}


class QueueHook:
    """The writer's review hook: creates items, spot-check samples and supersessions."""

    def __init__(self, config: Callable[[], ReviewConfig]) -> None:
        self.config = config

    def __call__(self, conn: Connection, logged: list[Logged]) -> None:
        cfg = self.config()
        share = cfg.sla.sampling.share
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        for x in logged:
            seq, d = x.seq, x.decision
            if d.outcome is Outcome.flag:
                rows.append(item_row(cfg, d, seq, "flag", now))
            elif d.outcome is Outcome.approve and sampled(d.decision_id, share):
                rows.append(item_row(cfg, d, seq, "sample", now))
        resubmitted = [x.decision for x in logged if x.decision.version > 1]
        if resubmitted:
            _supersede(conn, resubmitted, rows, now)
        if rows:
            insert_rows(conn, review_items, rows)


def _supersede(conn: Connection, newer: list[Decision], rows: list[dict[str, Any]],
               now: datetime) -> None:
    """Close the open items of earlier versions of resubmitted postings."""
    latest: dict[tuple[str, str], Decision] = {}
    for d in newer:
        key = (d.portal, d.posting_id)
        if key not in latest or d.version > latest[key].version:
            latest[key] = d
    for r in rows:  # an earlier version in this same batch is superseded at once
        top = latest.get((r["portal"], r["posting_id"]))
        if top is not None and r["version"] < top.version:
            r.update(status="superseded", superseded_by=top.decision_id, resolved_at=now)
    c = review_items.c
    found = conn.execute(
        select(c.decision_id, c.portal, c.posting_id, c.version, c.claimed_by).where(
            c.portal.in_(sorted({p for p, _ in latest})),
            c.posting_id.in_(sorted({i for _, i in latest})),
            c.status.in_(("pending", "claimed")))
    ).all()
    events = []
    for item_id, portal, posting_id, version, holder in found:
        top = latest.get((portal, posting_id))
        if top is None or version >= top.version:
            continue
        conn.execute(update(review_items).where(and_(
            c.decision_id == item_id, c.status.in_(("pending", "claimed")))).values(
            status="superseded", superseded_by=top.decision_id, resolved_at=now,
            claimed_by=None, lease_until=None))
        events.append(event_row(item_id, "superseded", SYSTEM, now, by=top.decision_id,
                                version=top.version, holder=holder))
    if events:
        insert_rows(conn, review_events, events)
