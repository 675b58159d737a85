"""SQL tables of the decision log, review queue, API keys and change epochs (SQLAlchemy Core)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

GENESIS = "0" * 64

decisions = Table(
    "decisions",
    metadata,
    # Position in the hash chain: assigned by the writer under the chain-head lock, gapless.
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("decision_id", String(36), nullable=False, unique=True),
    Column("portal", String(64), nullable=False),
    Column("posting_id", String(128), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("risk_score", Float, nullable=False),
    Column("rules_version", String(32), nullable=False),
    Column("enterprise_uscc", String(32)),
    Column("rule_ids", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    # The decision of the posting's previous version, which this one replaces.
    Column("supersedes", String(36)),
    # The whole decision as canonical JSON, with the posting it decides as received under
    # "posting": the hash covers exactly these bytes.
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("portal", "posting_id", "content_hash", name="uq_decisions_content"),
    Index("ix_decisions_posting", "portal", "posting_id", "seq"),
    Index("ix_decisions_decided_at", "decided_at"),
    Index("ix_decisions_uscc", "enterprise_uscc"),
)

chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

review_items = Table(
    "review_items",
    metadata,
    Column("decision_id", String(36), primary_key=True),
    Column("decision_seq", BigInteger, nullable=False),
    Column("portal", String(64), nullable=False),
    Column("posting_id", String(128), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(128)),
    Column("lease_until", DateTime(timezone=True)),
    # Migration 0006: what the queue orders, filters and resolves by (verifier/review/).
    Column("kind", String(16), nullable=False, server_default="flag"),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("priority", Float, nullable=False, server_default="0"),
    Column("risk_score", Float, nullable=False, server_default="0"),
    Column("severity", String(16), nullable=False, server_default="flag"),
    Column("rule_ids", Text, nullable=False, server_default=""),
    Column("campaign", String(64)),
    Column("enterprise_uscc", String(32)),
    Column("due_at", DateTime(timezone=True)),
    Column("claimed_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(128)),
    Column("outcome", String(16)),
    Column("reason", String(64)),
    Column("note", Text),
    Column("resolution_id", String(36)),
    Column("superseded_by", String(36)),
    Index("ix_review_items_status", "status", "created_at"),
    Index("ix_review_items_queue", "status", "priority"),
    Index("ix_review_items_posting", "portal", "posting_id"),
    Index("ix_review_items_resolved", "resolved_at"),
    # Migration 0012: the sweeper's raise of overdue spot checks (verifier/review/escalation).
    Index("ix_review_items_sample_due", "kind", "status", "due_at"),
)

review_events = Table(
    "review_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("item_id", String(36), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("data", Text, nullable=False, server_default="{}"),
    Index("ix_review_events_item", "item_id", "id"),
    Index("ix_review_events_at", "at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("expires_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
    # The key that replaced this one in a rotation (it may still work until expires_at).
    Column("replaced_by", Integer),
    # Names are unique per role among live keys (migration 0008).
    Index("uq_api_keys_live_name", "role", "name", unique=True,
          sqlite_where=text("revoked_at IS NULL AND replaced_by IS NULL"),
          postgresql_where=text("revoked_at IS NULL AND replaced_by IS NULL")),
)

epochs = Table(
    "epochs",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
