"""The console end to end in a real headless Chromium (Debian's, driven by Playwright): sign
in, claim, see the highlighted span, reject with a reason, see the portal's decision change.
Takes a screenshot of the item page into pytest's tmp_path; with UPDATE_SCREENSHOTS=1 it is
copied to docs/img/console-item.png (shown in the README and docs/console.md)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import PORTAL, make_settings
from tests.console.conftest import sign_in_page
from tests.factories import posting_dict
from verifier.api.app import create_app

SHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "console-item.png"
NASTY = "<script>window.__pwned = 1</script>"


def _flagged() -> dict[str, Any]:
    desc = ("负责后端开发，参与需求分析与代码评审。学历要求：限985院校毕业。"
            f"备注：{NASTY}")
    return posting_dict(posting_id="console-1", description=desc)


@pytest.mark.slow
async def test_reviewer_rejects_a_flagged_posting_in_the_browser(
    aiohttp_server: Any, aiohttp_client: Any, db_url: str, redis_url: str | None, browser: Any,
    tmp_path: Path
) -> None:
    server = await aiohttp_server(create_app(make_settings(db_url, redis_url,
                                                           DEMO_REGISTRY=True)))
    api = await aiohttp_client(server)
    verdict = await (await api.post("/v1/postings/verify", json=_flagged(),
                                    headers=PORTAL)).json()
    assert verdict["outcome"] == "flag", verdict
    hit = next(f for f in verdict["findings"] if f["evidence"]["spans"])
    base = str(server.make_url("/console"))

    page = await browser.new_page(viewport={"width": 1360, "height": 1100})
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await sign_in_page(page, base)
    assert "console-1" in await page.inner_text("table")
    await page.click("#claim-next")
    await page.wait_for_url("**/console/items/*")

    mark = page.locator("mark.hit", has_text=hit["evidence"]["spans"][0]["text"]).first
    assert hit["rule"] in (await mark.get_attribute("title") or "")
    assert await page.locator("[data-lease-until]").count() == 1
    await page.keyboard.press("n")  # the shortcut focuses the note box
    assert await page.evaluate("document.activeElement.id") == "note"
    await page.keyboard.type(f"核实中 {NASTY}")
    await page.click("#save-note")
    await page.wait_for_url("**/console/items/*?done=noted")
    assert NASTY in await page.inner_text("#notes")  # shown as text, never run
    assert await page.evaluate("window.__pwned === undefined") and not dialogs
    shot = tmp_path / SHOT.name
    await page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(shot, SHOT)

    await page.keyboard.press("r")  # the shortcut focuses the reason list
    assert await page.evaluate("document.activeElement.id") == "reject-reason"
    await page.select_option("#reject-reason", "discrimination")
    await page.click("#reject")
    await page.wait_for_url("**/console/queue?done=rejected")
    assert "已驳回" in await page.inner_text(".flash")

    after = await (await api.get("/v1/postings/console-1/decision", headers=PORTAL)).json()
    assert after["review"]["status"] == "rejected"
    assert after["review"]["reason"] == "discrimination"
    assert after["review"]["reviewer"] == "demo-reviewer"
    assert after["final_outcome"] == "reject"
