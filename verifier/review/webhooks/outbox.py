"""Writing events to the outbox, always inside the transaction of what caused them.

An event is queued only for a portal whose endpoint is enabled at that moment. The body is
fixed when the event is written (the same bytes on every attempt, so a receiver can
deduplicate by its `id`):

    {"id": <event id>, "type": <event type>, "created_at": <RFC 3339>, "portal": <portal>,
     "data": {...}}
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import orjson
from sqlalchemy import Connection, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection
from uuid_utils import uuid7

from verifier.models import Decision, Outcome
from verifier.store.side_writes import Written
from verifier.store.sql import sqlite3_of
from verifier.store.tables import decisions
from verifier.store.webhook_tables import webhook_endpoints, webhook_outbox

DECISION_CREATED = "decision.created"
DECISION_SUPERSEDED = "decision.superseded"
REVIEW_RESOLVED = "review.resolved"
EventType = Literal["decision.created", "decision.superseded", "review.resolved"]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
_NOTIFY = (Outcome.flag, Outcome.reject)


@dataclass(frozen=True)
class Event:
    """One event for one portal, before it is queued."""

    portal: str
    type: str
    data: dict[str, Any]


def _row(event: Event, now: datetime) -> dict[str, Any]:
    event_id = str(uuid7())
    body = orjson.dumps({
        "id": event_id, "type": event.type,
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "portal": event.portal, "data": event.data,
    }).decode()
    return {"event_id": event_id, "portal": event.portal, "event_type": event.type,
            "body": body, "created_at": now, "status": "pending", "attempts": 0,
            "next_attempt_at": now}


def subscribed(conn: Connection, portals: Iterable[str]) -> set[str]:
    """The portals among `portals` with an enabled endpoint, read in `conn`'s transaction.

    Plain SQL on SQLite's DB-API connection (the decision writer's batch) and on
    PostgreSQL: building and compiling the select per batch cost ~20 times running it.
    Elsewhere (aiosqlite under `run_sync`) the same select through SQLAlchemy."""
    wanted = sorted(set(portals))
    if not wanted:
        return set()
    raw = sqlite3_of(conn)
    if raw is not None:
        marks = ",".join("?" * len(wanted))
        return {str(r[0]) for r in raw.execute(
            f"SELECT portal FROM webhook_endpoints WHERE portal IN ({marks}) AND enabled IS 1",
            wanted)}
    if conn.dialect.name == "postgresql":
        return {str(r[0]) for r in conn.exec_driver_sql(
            "SELECT portal FROM webhook_endpoints WHERE portal = ANY($1) AND enabled IS true",
            (wanted,))}
    return set(conn.execute(select(webhook_endpoints.c.portal).where(
        webhook_endpoints.c.portal.in_(wanted),
        webhook_endpoints.c.enabled.is_(True))).scalars())


def emit_sync(conn: Connection, events: list[Event]) -> int:
    """Queue events on an open (synchronous) transaction; returns how many were queued."""
    if not events:
        return 0
    wanted = subscribed(conn, (e.portal for e in events))
    now = datetime.now(UTC)
    rows = [_row(e, now) for e in events if e.portal in wanted]
    if rows:
        conn.execute(insert(webhook_outbox), rows)
    return len(rows)


async def emit(conn: AsyncConnection, events: list[Event]) -> int:
    """Queue events on an open (async) transaction; returns how many were queued."""
    return await conn.run_sync(emit_sync, events)


def decision_data(d: Decision) -> dict[str, Any]:
    """The decision as a portal sees it (without timings or the stored posting)."""
    return d.model_dump(mode="json", exclude={"timings_ms", "posting"})


def review_resolved(decision: Decision, *, kind: str, reviewer: str, outcome: Outcome,
                    reason: str, reason_label: str, resolution_id: str, resolved_at: datetime,
                    bulk: bool = False) -> list[Event]:
    """The `review.resolved` event of a settled item (none for a spot-check sample that a
    reviewer approved: the portal's automatic approval stands and it was never told of it)."""
    if kind == "sample" and outcome is Outcome.approve:
        return []
    return [Event(decision.portal, REVIEW_RESOLVED, {
        "decision_id": decision.decision_id, "posting_id": decision.posting_id,
        "version": decision.version, "kind": kind, "outcome": outcome.value,
        "reason": reason, "reason_label": reason_label, "reviewer": reviewer,
        "resolved_at": resolved_at.isoformat().replace("+00:00", "Z"),
        "resolution_id": resolution_id, "bulk": bulk,
    })]


def decision_events(conn: Connection, logged: Sequence[Written]) -> None:
    """Decision writer hook: `decision.created` for new flag/reject decisions and
    `decision.superseded` when a new version replaces an earlier decision."""
    created = [lg for lg in logged if lg.decision.outcome in _NOTIFY]
    replacing = [lg for lg in logged if lg.supersedes_seq is not None]
    if not created and not replacing:
        return
    wanted = subscribed(conn, (lg.decision.portal for lg in logged))
    events = [Event(lg.decision.portal, DECISION_CREATED, {"decision": decision_data(lg.decision)})
              for lg in created if lg.decision.portal in wanted]
    replacing = [lg for lg in replacing if lg.decision.portal in wanted]
    if replacing:
        seqs = [lg.supersedes_seq for lg in replacing]
        old = {r.seq: r for r in conn.execute(
            select(decisions.c.seq, decisions.c.decision_id, decisions.c.version,
                   decisions.c.outcome).where(decisions.c.seq.in_(seqs)))}
        for lg in replacing:
            prev = old[lg.supersedes_seq]
            d = lg.decision
            events.append(Event(d.portal, DECISION_SUPERSEDED, {
                "posting_id": d.posting_id,
                "superseded": {"decision_id": prev.decision_id, "version": prev.version,
                               "outcome": prev.outcome},
                "by": {"decision_id": d.decision_id, "version": d.version,
                       "outcome": d.outcome.value},
            }))
    if events:
        now = datetime.now(UTC)
        conn.execute(insert(webhook_outbox), [_row(e, now) for e in events])
