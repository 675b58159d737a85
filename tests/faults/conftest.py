"""Own PostgreSQL (one per test session) for the fault scenarios."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import need
from tests.faults.services import OwnPostgres, pg_bin


@pytest.fixture(scope="session")
def own_pg() -> Iterator[OwnPostgres]:
    """A private PostgreSQL server that tests may stop and restart."""
    need("PostgreSQL server programs (initdb)", pg_bin() is not None)
    pg = OwnPostgres().init()
    try:
        yield pg
    finally:
        pg.destroy()
