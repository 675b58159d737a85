"""A resubmitted posting in a real headless Chromium: the reviewer signs in through the form,
rejects the first version, and the second version's item shows what changed against it, the
new decision's spans highlighted. Every field the console shows carries script payloads; none
runs, each is shown as the text it is, and the pages send a strict Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import PORTAL, make_settings
from tests.console.conftest import sign_in_page
from tests.factories import posting_dict
from verifier.api.app import create_app

PAYLOADS = ('<script>window.__pwned = "script"</script>',
            '<img src=x onerror="window.__pwned = \'img\'">',
            '"><svg onload="window.__pwned = \'svg\'">',
            "' autofocus onfocus='window.__pwned = \"attr\"")
"""Script in element text, in an event handler, breaking out of a double- and a
single-quoted attribute."""
PID = 'rs-1"><svg onload="window.__pwned = \'pid\'">'
OLD = "负责后端开发，参与需求分析与代码评审。学历要求：限985院校毕业。"
ADDED = "年龄要求：35岁以下。"


def _posting(description: str) -> dict[str, Any]:
    """Payloads in the id, title, description, profile, employer, contact and salary text
    (the salary text comes back in a finding's message and span)."""
    base = posting_dict()
    return posting_dict(
        posting_id=PID, title=f"Java开发工程师{PAYLOADS[0]}",
        description=description + "".join(PAYLOADS),
        company_profile=f"公司简介{PAYLOADS[2]}",
        enterprise={**base["enterprise"], "name": f"华为技术有限公司{PAYLOADS[1]}"},
        contact=f"联系人{PAYLOADS[3]}", salary={"text": f"薪资另行说明{PAYLOADS[1]}"})


async def _safe(page: Any, dialogs: list[str]) -> None:
    """No payload ran in this page: no flag set, no dialog opened, no element injected."""
    assert await page.evaluate("window.__pwned === undefined"), page.url
    assert not dialogs
    assert await page.locator("main script, main svg[onload], main img[onerror]").count() == 0


async def _reject_first_version(page: Any, dialogs: list[str], finding: dict[str, Any]
                                ) -> None:
    """Claim the first version from the queue, check it shows every payload as text, note
    and reject it (both texts carrying payloads too)."""
    await _safe(page, dialogs)
    assert PID in await page.inner_text("table")
    await page.click("#claim-next")
    await page.wait_for_url("**/console/items/*")
    shown = await page.inner_text("#posting")
    assert all(p in shown for p in PAYLOADS), shown
    assert finding["message"] in await page.inner_text("#findings")
    span = page.locator("#posting mark.hit[data-rules='salary.unparsed']")
    assert await span.inner_text() == finding["evidence"]["spans"][0]["text"]
    await _safe(page, dialogs)
    await page.fill("#note", f"请核实 {PAYLOADS[1]}")
    await page.click("#save-note")
    await page.wait_for_url("**?done=noted")
    await page.select_option("#reject-reason", "discrimination")
    await page.fill("#reject-form input[name=note]", f"驳回说明 {PAYLOADS[2]}")
    await page.click("#reject")
    await page.wait_for_url("**/console/queue?done=rejected")


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_resubmission_diff_and_escaping_in_the_browser(
    aiohttp_server: Any, aiohttp_client: Any, db_url: str, redis_url: str | None, browser: Any
) -> None:
    from playwright.async_api import Error as PlaywrightError

    server = await aiohttp_server(create_app(make_settings(db_url, redis_url,
                                                           DEMO_REGISTRY=True)))
    api = await aiohttp_client(server)
    first = await (await api.post("/v1/postings/verify", json=_posting(OLD),
                                  headers=PORTAL)).json()
    assert first["outcome"] == "flag", first
    unparsed = next(f for f in first["findings"] if f["rule"] == "salary.unparsed")
    assert PAYLOADS[1] in unparsed["message"]
    base = str(server.make_url("/console"))
    page = await browser.new_page(viewport={"width": 1360, "height": 1100})
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await sign_in_page(page, base)
    await _reject_first_version(page, dialogs, unparsed)
    v1_url = page.url

    second = await (await api.post("/v1/postings/verify", json=_posting(OLD + ADDED),
                                   headers=PORTAL)).json()
    assert second["outcome"] == "flag" and second["version"] == 2, second
    new_hits = [sp["text"] for f in second["findings"] for sp in f["evidence"]["spans"]
                if sp["field"] == "description" and sp["text"] in ADDED]
    assert new_hits, second["findings"]
    resp = await page.goto(base + "/queue")
    csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    await _safe(page, dialogs)
    await page.locator("tr[data-href] a").first.click()
    await page.wait_for_url("**/console/items/*")
    assert page.url != v1_url

    diff = page.locator("#diff")
    assert "description" in await diff.inner_text()
    inserted = "".join(await diff.locator("ins").all_inner_texts())
    assert "年龄要求：35岁以下" in inserted and "985" not in inserted
    for hit in new_hits:
        assert await page.locator("#posting mark.hit", has_text=hit).count() >= 1
    earlier = await page.inner_text("#earlier")
    assert "v1" in earlier and PAYLOADS[1] in earlier and PAYLOADS[2] in earlier, earlier
    everything = await page.inner_text("main")
    assert all(p in everything for p in PAYLOADS)
    await _safe(page, dialogs)
    with pytest.raises(PlaywrightError):  # the policy refuses inline script outright
        await page.add_script_tag(content="window.__pwned = 'inline'")
    assert await page.evaluate("window.__pwned === undefined")
