"""An app client per test, on SQLite and on PostgreSQL with Redis, in demo mode (known keys)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from verifier.api.app import create_app
from verifier.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PORTAL = {"Authorization": "Bearer demo-portal-key"}
PORTAL2 = {"Authorization": "Bearer demo-portal2-key"}
ADMIN = {"Authorization": "Bearer demo-admin-key"}
AUDITOR = {"Authorization": "Bearer demo-auditor-key"}
REVIEWER = {"Authorization": "Bearer demo-reviewer-key"}


def make_settings(db_url: str, redis_url: str | None, **extra: Any) -> Settings:
    """Test settings: demo keys, the repo's rules, fast epoch polling, no lease sweeper
    (tests that move the review clock expire leases when they read; the sweeper's own tests
    turn it on)."""
    return Settings.model_validate({
        "DATABASE_URL": db_url, "REDIS_URL": redis_url, "RULES_DIR": str(ROOT / "rules"),
        "DEMO": True, "DEMO_REGISTRY": False, "EPOCH_POLL_S": 0.2, "LEASE_SWEEP_S": 0,
        **extra,
    })


@pytest.fixture
async def client(
    aiohttp_client: Any, db_url: str, redis_url: str | None
) -> AsyncIterator[TestClient[Any, Any]]:
    """A test client against the real app and a fresh database."""
    app = create_app(make_settings(db_url, redis_url))
    yield await aiohttp_client(app)
