"""Fixtures the decision-log tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.store.writer import DecisionWriter


@pytest.fixture
async def writer(engine: AsyncEngine) -> AsyncIterator[DecisionWriter]:
    """A started decision writer on the test's migrated database (batches of up to 50)."""
    w = DecisionWriter(engine, max_batch=50)
    await w.start()
    yield w
    await w.close()
