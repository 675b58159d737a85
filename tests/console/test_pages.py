"""Console pages over HTTP (no browser): filters, empty queue, actions refused without a
lease, escaping of reviewer text, stats charts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.api.conftest import PORTAL, make_settings
from tests.console.test_signin import sign_in
from tests.factories import posting_dict
from verifier.api.app import create_app

Client = TestClient[Any, Any]


@pytest.fixture
async def reviewer(aiohttp_client: Any, db_url: str, redis_url: str | None) -> Client:
    client = await aiohttp_client(create_app(make_settings(db_url, redis_url)))
    assert (await sign_in(client, "demo-reviewer-key")).status == 303
    return client


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


async def _flag(client: Client, pid: str) -> None:
    body = posting_dict(posting_id=pid, description="要求限985院校毕业。")
    resp = await client.post("/v1/postings/verify", json=body, headers=PORTAL)
    assert (await resp.json())["outcome"] == "flag"


async def test_bad_filter_is_a_422_page_and_empty_queue_says_so(reviewer: Client) -> None:
    bad = await reviewer.get("/console/queue?status=lost")
    assert bad.status == 422 and "状态" in await bad.text()
    assert bad.content_type == "text/html"
    page = await reviewer.get("/console/queue")
    resp = await reviewer.post("/console/claim", data={"csrf": _csrf(await page.text())},
                               allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/console/queue?done=empty"


async def test_item_page_escapes_posting_text_and_refuses_unleased_resolve(
    reviewer: Client
) -> None:
    await _flag(reviewer, "x-1")
    queue = await (await reviewer.get("/console/queue")).text()
    item_url = re.search(r'href="(/console/items/[^"]+)"', queue)
    assert item_url and "x-1" in queue
    html = await (await reviewer.get(item_url.group(1))).text()
    assert 'class="hit' in html and 'title="keywords.discrimination.school"' in html
    noted = await reviewer.post(item_url.group(1) + "/notes", data={
        "csrf": _csrf(html), "text": "<img src=x onerror=alert(1)>"})
    html = await noted.text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    resp = await reviewer.post(item_url.group(1) + "/resolve", data={
        "csrf": _csrf(html), "outcome": "reject", "reason": "discrimination"})
    assert resp.status == 409  # no lease held: nothing changes
    still = await (await reviewer.get("/console/queue?status=pending")).text()
    assert "x-1" in still


async def test_claim_then_release_returns_the_item(reviewer: Client) -> None:
    await _flag(reviewer, "x-2")
    page = await (await reviewer.get("/console/queue")).text()
    claimed = await reviewer.post("/console/claim", data={"csrf": _csrf(page)},
                                  allow_redirects=False)
    where = claimed.headers["Location"]
    assert claimed.status == 303 and where.startswith("/console/items/")
    item = await (await reviewer.get(where)).text()
    assert "data-lease-until" in item and 'id="approve"' in item
    released = await reviewer.post(where + "/release", data={"csrf": _csrf(item)},
                                   allow_redirects=False)
    assert released.headers["Location"] == "/console/queue?done=released"
    assert "x-2" in await (await reviewer.get("/console/queue?status=pending")).text()


async def test_each_item_action_goes_where_it_says(reviewer: Client) -> None:
    await _flag(reviewer, "x-4")
    queue = await (await reviewer.get("/console/queue")).text()
    found = re.search(r'href="(/console/items/[^"]+)"', queue)
    assert found
    item = found.group(1)
    csrf = _csrf(await (await reviewer.get(item)).text())

    async def post(action: str, **form: str) -> Any:
        return await reviewer.post(item + action, data={"csrf": csrf, **form},
                                   allow_redirects=False)

    renew = await post("/renew")
    assert renew.status == 409 and "claim it first" in await renew.text()  # no lease yet
    for action, form, where in (
            ("/claim", {}, item), ("/renew", {}, item + "?done=renewed"),
            ("/notes", {"text": "已核实"}, item + "?done=noted")):
        resp = await post(action, **form)
        assert (resp.status, resp.headers["Location"]) == (303, where), action
    bad = await post("/resolve", outcome="maybe", reason="legit")
    assert bad.status == 422 and "outcome" in await bad.text()
    done = await post("/resolve", outcome="approve", reason="legit")
    assert (done.status, done.headers["Location"]) == (303, "/console/queue?done=approved")
    assert "已核实" in await (await reviewer.get(item)).text()


async def test_item_page_shows_an_overdue_spot_check_raised(reviewer: Client) -> None:
    import dataclasses
    from datetime import UTC, datetime, timedelta

    from verifier.api.state import REVIEW
    from verifier.review.config import Sampling

    svc = reviewer.app[REVIEW]
    svc.swap(dataclasses.replace(svc.pack, sla=svc.pack.sla.model_copy(
        update={"sampling": Sampling(share=1.0)})))
    body = posting_dict(posting_id="s-9")
    ok = await (await reviewer.post("/v1/postings/verify", json=body, headers=PORTAL)).json()
    assert ok["outcome"] == "approve"
    page = f"/console/items/{ok['decision_id']}"
    weights = svc.pack.sla.priority
    assert f"优先级 {weights.sample:.1f}" in await (await reviewer.get(page)).text()
    late = timedelta(hours=svc.pack.sla.hours.sample, minutes=1)
    svc.clock = lambda: datetime.now(UTC) + late  # past its SLA; no sweep has run
    html = await (await reviewer.get(page)).text()
    assert f"抽检 · 优先级 {weights.sample_overdue:.1f}" in html and "已超时" in html


async def test_stats_page_draws_svg_charts(reviewer: Client) -> None:
    await _flag(reviewer, "x-3")
    html = await (await reviewer.get("/console/stats")).text()
    assert html.count("<svg") >= 1 and "demo-portal" in html
    assert "keywords.discrimination.school" in html
