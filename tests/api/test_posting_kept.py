"""The API keeps each posting with its decision, and a resubmission names what it supersedes."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from tests.api.conftest import PORTAL
from tests.factories import posting_dict
from verifier.api.state import RESOURCES
from verifier.models import Posting
from verifier.store.chain import stored_posting, verify_chain
from verifier.store.tables import decisions

Client = TestClient[Any, Any]


async def test_verify_stores_the_posting_and_links_a_resubmission(client: Client) -> None:
    body = posting_dict(posting_id="keep-1", contact="联系人：李女士")
    first = await (await client.post("/v1/postings/verify", json=body, headers=PORTAL)).json()
    assert first["supersedes"] is None
    changed = {**body, "headcount": 7}
    second = await (await client.post("/v1/postings/verify", json=changed,
                                      headers=PORTAL)).json()
    assert (second["version"], second["supersedes"]) == (2, first["decision_id"])
    engine = client.app[RESOURCES].engine
    async with engine.connect() as conn:
        rows = (await conn.execute(select(decisions.c.payload, decisions.c.supersedes)
                                   .order_by(decisions.c.seq))).all()
    kept = [stored_posting(r.payload) for r in rows]
    assert kept[0] is not None and kept[1] is not None
    assert Posting.model_validate_json(orjson.dumps(kept[0])) == Posting.model_validate(
        body, strict=False)
    assert kept[1]["headcount"] == 7
    assert [r.supersedes for r in rows] == [None, first["decision_id"]]
    # The response and the read-back stay the decision alone (no posting echoed).
    assert "posting" not in second
    got = await (await client.get("/v1/postings/keep-1/decision", headers=PORTAL)).json()
    assert got["decision_id"] == second["decision_id"] and "posting" not in got
    assert (await verify_chain(engine)).ok
