"""The salary checks inside the real catalog and engine: discovered, and deciding."""

from __future__ import annotations

from tests.factories import RULES, make_posting
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine

SALARY_RULES = {
    "salary.unparsed", "salary.invalid_range", "salary.below_min_wage", "salary.bait_range",
    "salary.implausible_high", "salary.negotiable", "salary.text_mismatch",
}


def test_catalog_has_every_salary_rule() -> None:
    catalog = Catalog.load(RULES)
    assert SALARY_RULES <= set(catalog.rules)


async def test_below_min_wage_rejects_and_an_ordinary_salary_does_not() -> None:
    engine = Engine(Catalog.load(RULES))
    bad = await engine.evaluate(make_posting(salary={"text": "1500-2000元/月"}))
    assert bad.outcome == "reject"
    assert "salary.below_min_wage" in {f.rule for f in bad.findings}
    good = await engine.evaluate(make_posting())
    assert not {f.rule for f in good.findings} & SALARY_RULES
