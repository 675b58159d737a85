"""Demo mode: well-known API keys and the demo registry. Never use demo mode in production."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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
    """Insert the demo keys and, into an empty registry, the demo registry (once)."""
    async with res.engine.connect() as conn:
        have = {h for (h,) in await conn.execute(select(api_keys.c.key_hash))}
    for key, (name, role) in DEMO_KEYS.items():
        if hash_key(key) not in have:
            try:
                await create_key(res.engine, name, role, key)
            except IntegrityError:  # another worker inserted it first
                pass
    if res.settings.demo_registry:
        from verifier.registry.demo import install_demo_registry

        added = await install_demo_registry(
            res.engine, res.settings.rules_dir, res.settings.demo_registry_file
        )
        if added:
            log.warning("DEMO MODE: loaded %d demo registry records", added)
    log.warning("DEMO MODE: well-known API keys are active: %s", ", ".join(DEMO_KEYS))
