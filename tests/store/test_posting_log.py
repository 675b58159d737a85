"""The posting is kept with its decision, inside what the chain hashes; a resubmission links
to the decision it supersedes and closes the old version's open review item."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import make_posting
from tests.store.test_writer import _drop_guard, decision
from verifier.models import Decision, Outcome, Posting
from verifier.store.chain import GENESIS, PostingRecord, row_hash, stored_posting, verify_chain
from verifier.store.tables import decisions, review_items
from verifier.store.writer import DecisionWriter


def decided(posting: Posting, outcome: Outcome = Outcome.approve, portal: str = "p"
            ) -> tuple[Decision, PostingRecord]:
    """A decision of `posting` (content hash of its canonical JSON) and the posting record."""
    record = PostingRecord.of(posting)
    d = decision(posting.posting_id, portal=portal, outcome=outcome).model_copy(
        update={"content_hash": record.content_hash})
    return d, record


async def payloads(engine: AsyncEngine) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(decisions.c.payload).order_by(decisions.c.seq))
        return [orjson.loads(r[0]) for r in rows]


async def test_the_posting_is_stored_as_received_with_its_decision(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    posting = make_posting(posting_id="job-1", contact="联系人 王先生")
    d, record = decided(posting)
    stored = await writer.submit(d, record)
    (payload,) = await payloads(engine)
    kept = stored_posting(payload)
    assert kept == posting.model_dump(mode="json", exclude_none=True)
    assert Posting.model_validate_json(orjson.dumps(kept)) == posting
    # The stored posting is exactly the bytes the content hash covers.
    assert hashlib.sha256(orjson.dumps(kept, option=orjson.OPT_SORT_KEYS)).hexdigest() == (
        stored.content_hash)
    # Resubmitting the same content stays idempotent: the first decision, nothing written.
    again, record2 = decided(make_posting(posting_id="job-1", contact="联系人 王先生"))
    assert (await writer.submit(again, record2)).decision_id == stored.decision_id
    assert len(await payloads(engine)) == 1
    report = await verify_chain(engine)
    assert report.ok and report.rows == 1, report


async def test_an_edit_to_the_stored_posting_is_detected(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    for i in range(3):
        await writer.submit(*decided(make_posting(posting_id=f"e{i}", title="仓库管理员")))
    await _drop_guard(engine)
    async with engine.begin() as conn:
        await conn.execute(text(
            "UPDATE decisions SET payload = replace(payload, '仓库管理员', '高薪管理员') "
            "WHERE seq = 2"))
    report = await verify_chain(engine)
    assert not report.ok and report.first_bad_seq == 2
    assert "payload altered" in (report.reason or "")


async def test_a_rehashed_forgery_of_the_posting_still_disagrees_with_the_content_hash(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    """A forger who edits the posting and recomputes every hash after it is still caught:
    the posting no longer hashes to the decision's content hash."""
    for i in range(3):
        await writer.submit(*decided(make_posting(posting_id=f"f{i}", title="仓库管理员")))
    await _drop_guard(engine)
    async with engine.begin() as conn:
        rows = (await conn.execute(select(decisions.c.seq, decisions.c.payload)
                                   .order_by(decisions.c.seq))).all()
        prev = GENESIS
        for seq, payload in rows:
            if seq == 2:
                payload = payload.replace("仓库管理员", "高薪管理员")
            digest = row_hash(prev, seq, payload)
            await conn.execute(text("UPDATE decisions SET payload = :p, prev_hash = :v, "
                                    "hash = :h WHERE seq = :s"),
                               {"p": payload, "v": prev, "h": digest, "s": seq})
            prev = digest
        await conn.execute(text("UPDATE chain_head SET hash = :h WHERE id = 1"), {"h": prev})
    report = await verify_chain(engine)
    assert not report.ok and report.first_bad_seq == 2
    assert "content hash" in (report.reason or "")


async def test_a_resubmission_supersedes_and_closes_the_open_item(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    v1 = await writer.submit(*decided(make_posting(posting_id="r", headcount=3), Outcome.flag))
    other = await writer.submit(*decided(make_posting(posting_id="q"), Outcome.flag))
    v2 = await writer.submit(*decided(make_posting(posting_id="r", headcount=5), Outcome.flag))
    assert (v1.version, v1.supersedes) == (1, None)
    assert (v2.version, v2.supersedes) == (2, v1.decision_id)
    same_posting_other_portal = await writer.submit(
        *decided(make_posting(posting_id="r", headcount=9), Outcome.approve, portal="other"))
    assert same_posting_other_portal.supersedes is None
    async with engine.connect() as conn:
        items = dict((await conn.execute(
            select(review_items.c.decision_id, review_items.c.status))).all())
        cols = dict((await conn.execute(
            select(decisions.c.decision_id, decisions.c.supersedes))).all())
    assert items == {v1.decision_id: "superseded", other.decision_id: "pending",
                     v2.decision_id: "pending"}
    assert cols[v2.decision_id] == v1.decision_id and cols[v1.decision_id] is None
    # Back to the first content: idempotent, the first decision (no third version).
    back = await writer.submit(*decided(make_posting(posting_id="r", headcount=3),
                                        Outcome.flag))
    assert back.decision_id == v1.decision_id
    report = await verify_chain(engine)
    assert report.ok and report.rows == 4, report


async def test_versions_in_one_batch_chain_their_supersedes(
    engine: AsyncEngine, writer: DecisionWriter
) -> None:
    items = [decided(make_posting(posting_id="s", headcount=n), Outcome.flag) for n in (1, 2, 3)]
    a, b, c = await writer.submit_many([d for d, _ in items], None, [r for _, r in items])
    assert [x.version for x in (a, b, c)] == [1, 2, 3]
    assert (b.supersedes, c.supersedes) == (a.decision_id, b.decision_id)
    async with engine.connect() as conn:
        items_ = dict((await conn.execute(
            select(review_items.c.decision_id, review_items.c.status))).all())
    assert items_ == {a.decision_id: "superseded", b.decision_id: "superseded",
                      c.decision_id: "pending"}
    assert (await verify_chain(engine)).ok
