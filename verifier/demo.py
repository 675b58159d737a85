"""Demo mode: well-known API keys (and, when the registry is present, the demo registry)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from verifier.models import Role
from verifier.resources import Resources
from verifier.store.keys import create_key, hash_key
from verifier.store.tables import api_keys

log = logging.getLogger(__name__)

DEMO_KEYS: dict[str, tuple[str, Role]] = {
    "demo-portal-key": ("demo-portal", Role.portal),
    "demo-portal2-key": ("demo-portal-2", Role.portal),
    "demo-reviewer-key": ("demo-reviewer", Role.reviewer),
    "demo-auditor-key": ("demo-auditor", Role.auditor),
    "demo-admin-key": ("demo-admin", Role.admin),
}


async def install_demo(res: Resources) -> None:
    """Insert the demo keys (once). Never use demo mode in production."""
    async with res.engine.connect() as conn:
        have = {h for (h,) in await conn.execute(select(api_keys.c.key_hash))}
    for key, (name, role) in DEMO_KEYS.items():
        if hash_key(key) not in have:
            await create_key(res.engine, name, role, key)
    log.warning("DEMO MODE: well-known API keys are active: %s", ", ".join(DEMO_KEYS))
