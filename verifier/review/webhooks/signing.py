"""Webhook signatures: `HMAC-SHA256(secret, timestamp + "." + body)`, hex, in headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets

EVENT_ID = "X-Verifier-Event-Id"
EVENT_TYPE = "X-Verifier-Event-Type"
TIMESTAMP = "X-Verifier-Timestamp"
SIGNATURE = "X-Verifier-Signature"
SCHEME = "v1"


def new_secret() -> str:
    """A fresh signing secret (256 bits, URL-safe)."""
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `timestamp.body` under `secret`."""
    msg = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def headers(secret: str, event_id: str, event_type: str, timestamp: int, body: bytes
            ) -> dict[str, str]:
    """The headers of one delivery attempt."""
    return {
        "Content-Type": "application/json",
        EVENT_ID: event_id,
        EVENT_TYPE: event_type,
        TIMESTAMP: str(timestamp),
        SIGNATURE: f"{SCHEME}={signature(secret, timestamp, body)}",
    }


def verify(secret: str, timestamp: str, header: str, body: bytes, *, now: int,
           tolerance_s: int = 300) -> bool:
    """Whether `header` signs `body` at `timestamp` under `secret`, within the tolerance."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance_s:
        return False
    expected = signature(secret, ts, body)
    given = [p.partition("=")[2] for p in header.split(",") if p.strip().startswith(SCHEME + "=")]
    return any(hmac.compare_digest(expected, g.strip()) for g in given)
