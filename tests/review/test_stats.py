"""Review stats computed by the database (grouped counts, window-ranked percentiles) equal
the figures computed row by row in Python, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from verifier.review.rows import OPEN
from verifier.review.stats import (
    Depth,
    Overturn,
    ReviewerThroughput,
    ReviewStats,
    SpotChecks,
    review_stats,
    spread,
    wilson,
)
from verifier.store.tables import review_items

NOW = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
RULES = ["keywords.fee.deposit", "keywords.contact.wechat", "salary.below_min_wage",
         "registry.status.revoked", "content.missing_field"]


def _at(rng: random.Random, hours: float) -> datetime:
    """A time up to `hours` before NOW, to the microsecond."""
    return NOW - timedelta(seconds=rng.uniform(0, hours * 3600))


def _rows(n: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        status = rng.choice(["pending", "claimed", "claimed", "approved", "rejected",
                             "approved", "superseded"])
        created = _at(rng, 24 * 40)
        ids = rng.sample(RULES, rng.randint(0, 3))
        if rng.random() < 0.1 and ids:
            ids.append(ids[0])  # a rule id twice in one item
        row: dict[str, Any] = {
            "decision_id": f"d{i:05d}", "decision_seq": i + 1,
            "portal": rng.choice(["zhaopin", "51job", "liepin"]), "posting_id": f"p{i}",
            "status": status, "created_at": created, "kind": rng.choice(["flag", "flag",
                                                                          "sample"]),
            "rule_ids": " ".join(ids), "campaign": rng.choice([None, None, "2022-sme-100day"]),
            "due_at": rng.choice([None, created + timedelta(hours=rng.uniform(1, 72))]),
            **dict.fromkeys(("claimed_by", "claimed_at", "lease_until", "resolved_at",
                             "resolved_by", "outcome")),
        }
        if status == "claimed":
            row["claimed_by"] = rng.choice(["张三", "李四"])
            row["claimed_at"] = _at(rng, 1)
            row["lease_until"] = NOW + timedelta(minutes=rng.uniform(-30, 30))
        if status in ("approved", "rejected"):
            resolved = created + (NOW - created) * rng.random()
            row["resolved_at"] = resolved
            row["resolved_by"] = rng.choice(["张三", "李四", "王五", None])
            row["outcome"] = "approve" if status == "approved" else "reject"
            if rng.random() < 0.8:  # a bulk resolution has no claim
                row["claimed_at"] = resolved - timedelta(seconds=rng.uniform(-5, 3600))
        rows.append(row)
    return rows


def _secs(start: datetime | None, end: datetime | None) -> float:
    return max(0.0, (end - start).total_seconds()) if start and end else 0.0


def _expected(rows: list[dict[str, Any]], since: datetime) -> ReviewStats:
    """The figures row by row: every open row and every resolution in the window."""
    opened = [r for r in rows if r["status"] in OPEN]
    done = [r for r in rows if r["status"] in ("approved", "rejected")
            and r["resolved_at"] >= since]
    dims: dict[str, Counter[str]] = defaultdict(Counter)
    claimed = 0
    for r in opened:
        claimed += r["status"] == "claimed" and r["lease_until"] > NOW
        dims["portal"][r["portal"]] += 1
        dims["kind"][r["kind"]] += 1
        if r["campaign"]:
            dims["campaign"][r["campaign"]] += 1
        dims["rule"].update(r["rule_ids"].split())
        dims["family"].update({i.split(".", 1)[0] for i in r["rule_ids"].split()})
    handling = [_secs(r["claimed_at"], r["resolved_at"]) for r in done
                if r["claimed_at"]]
    by: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in done:
        by[r["resolved_by"] or "unknown"].append(r)
    turned: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in done:
        for rule in set(r["rule_ids"].split()) if r["kind"] == "flag" else ():
            turned[rule][0] += 1
            turned[rule][1] += r["outcome"] == "approve"
    judged = [r for r in done if r["kind"] == "sample"]
    bad = sum(1 for r in judged if r["outcome"] == "reject")
    ci = wilson(bad, len(judged))
    return ReviewStats(
        at=NOW, since=since,
        depth=Depth(total=len(opened), pending=len(opened) - claimed, claimed=claimed,
                    by_portal=dims["portal"], by_rule=dims["rule"], by_family=dims["family"],
                    by_campaign=dims["campaign"], by_kind=dims["kind"]),
        age=spread([(NOW - r["created_at"]).total_seconds() for r in opened]),
        overdue=sum(1 for r in opened if r["due_at"] is not None and r["due_at"] < NOW),
        handling=spread(handling),
        time_to_resolution=spread([_secs(r["created_at"], r["resolved_at"]) for r in done]),
        throughput={name: ReviewerThroughput(
            resolved=len(rs), approved=sum(r["outcome"] == "approve" for r in rs),
            rejected=sum(r["outcome"] == "reject" for r in rs),
            handling=spread([_secs(r["claimed_at"], r["resolved_at"]) for r in rs
                             if r["claimed_at"]])) for name, rs in by.items()},
        overturn={rule: Overturn(resolved=n, approved=a, rate=round(a / n, 4))
                  for rule, (n, a) in turned.items()},
        spot_checks=SpotChecks(
            sampled=sum(1 for r in rows if r["kind"] == "sample" and r["created_at"] >= since),
            judged=len(judged), bad=bad, share=round(bad / len(judged), 6) if judged else None,
            ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None))


async def test_sql_figures_equal_the_row_by_row_ones(engine: Any) -> None:
    rows = _rows(400)
    async with engine.begin() as conn:
        await conn.execute(insert(review_items), rows)
    for since in (NOW - timedelta(days=30), NOW - timedelta(days=3)):
        got = await review_stats(engine, NOW, since)
        want = _expected(rows, since)
        assert got.depth.total > 50 and got.handling.count > 20 and len(got.throughput) == 4
        assert got == want
        assert list(got.depth.by_portal.values()) == sorted(got.depth.by_portal.values(),
                                                            reverse=True)


async def test_empty_queue_has_no_percentiles(engine: Any) -> None:
    got = await review_stats(engine, NOW)
    assert got.depth.total == 0 and got.overdue == 0 and got.throughput == {}
    assert got.age.count == 0 and got.age.p50 is None and got.handling.max is None
