"""A real headless Chromium (Debian's, driven by Playwright) and the console's sign-in form."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.conftest import REQUIRE

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless Chromium; skipped (failed under VERIFIER_TEST_REQUIRE_SERVICES=1) when
    Debian's chromium is not installed."""
    if not os.access(CHROMIUM, os.X_OK):
        if REQUIRE:
            pytest.fail("Chromium is missing: scripts/setup --dev installs it")
        pytest.skip("Chromium is missing: scripts/setup --dev installs it")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        await b.close()


async def sign_in_page(page: Any, base: str, key: str = "demo-reviewer-key") -> None:
    """Open the queue, land on the sign-in form, submit the key, arrive at the queue."""
    await page.goto(base + "/queue")
    assert "/console/login" in page.url
    await page.fill("#key", key)
    await page.click("button[type=submit]")
    await page.wait_for_url("**/console/queue")
