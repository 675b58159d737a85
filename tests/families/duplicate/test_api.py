"""End to end: the same employer's same job on two portals, through the HTTP API."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import PORTAL, PORTAL2, client  # noqa: F401 - fixture
from tests.factories import posting_dict
from tests.families.duplicate.test_provider import TEMPLATE


async def verify(cli: Any, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    body = posting_dict(title="网络客服", description=TEMPLATE,
                        enterprise={"name": "北京甲乙信息技术有限公司"}, **kw)
    resp = await cli.post("/v1/postings/verify", json=body, headers=headers)
    assert resp.status == 200, await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


async def test_same_job_on_two_portals_with_different_pay(client: Any) -> None:  # noqa: F811
    first = await verify(client, PORTAL, posting_id="x-1", salary={"text": "4000-5000元/月"})
    assert "duplicate.inconsistent" not in {f["rule"] for f in first["findings"]}
    # The same portal changing its own posting is not an inconsistency between portals.
    again = await verify(client, PORTAL, posting_id="x-2", salary={"text": "9000-9500元/月"})
    assert "duplicate.inconsistent" not in {f["rule"] for f in again["findings"]}
    other = await verify(client, PORTAL2, posting_id="x-1", salary={"text": "8000-12000元/月"})
    found = [f for f in other["findings"] if f["rule"] == "duplicate.inconsistent"]
    assert found and found[0]["severity"] == "flag"
    assert other["outcome"] != "approve"
    text = str(found)
    assert "x-1" not in text and "demo-portal" not in text and TEMPLATE[:12] not in text
