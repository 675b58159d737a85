"""SQL tables of portal webhooks: endpoints, the event outbox and its delivery attempts."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from verifier.store.tables import metadata

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("portal", String(64), primary_key=True),
    Column("url", Text, nullable=False),
    # The signing key itself: HMAC needs it in clear (like any webhook sender's secret).
    Column("secret", String(128), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("portal", String(64), nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # pending → delivered | dead (a dead letter; redelivery makes it pending again)
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("delivered_at", DateTime(timezone=True)),
    Index("ix_webhook_outbox_due", "status", "next_attempt_at"),
    Index("ix_webhook_outbox_portal", "portal", "id"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("url", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_webhook_attempts_event", "event_id", "attempt"),
)
