"""Content checks: art. 24 required elements, thin descriptions, headcount."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import declared, make_facts, make_posting
from verifier.families.content.checks import ContentCheck, ContentParams

CHECK = declared(ContentCheck(ContentParams()))


@pytest.mark.parametrize(
    ("overrides", "rules"),
    [
        ({}, []),
        ({"enterprise": {"name": "  "}}, ["content.missing.employer"]),
        ({"description": ""}, ["content.missing.duties"]),
        ({"description": "   \n "}, ["content.missing.duties"]),
        ({"description": "招聘文员，待遇优厚。"}, ["content.description_short"]),
        ({"location": None}, ["content.missing.location"]),
        ({"location": {"province": " "}}, ["content.missing.location"]),
        ({"location": {"province": "", "city": "深圳"}}, []),
        ({"salary": None}, ["content.missing.pay"]),
        ({"salary": {"text": " "}}, ["content.missing.pay"]),
        ({"salary": {"min": 5000}}, []),
        ({"salary": {"text": "面议"}}, []),  # stated, though not a figure: salary.negotiable's job
        ({"headcount": 0}, ["content.headcount_invalid"]),
        ({"headcount": -3}, ["content.headcount_invalid"]),
        ({"headcount": 1001}, ["content.headcount_invalid"]),
        ({"headcount": 1000}, []),
        ({"description": "", "salary": None, "location": None},
         ["content.missing.duties", "content.missing.location", "content.missing.pay"]),
    ],
)
def test_content_rules(overrides: dict[str, Any], rules: list[str]) -> None:
    posting = make_posting(**overrides)
    got = CHECK.check(make_facts(posting))
    assert sorted(f.rule for f in got) == sorted(rules)
    for f in got:
        assert f.message and any("\u4e00" <= c <= "\u9fff" for c in f.message)


def test_thresholds_are_params() -> None:
    strict = declared(ContentCheck(ContentParams(min_description_chars=500, max_headcount=2)))
    posting = make_posting(headcount=3)
    got = {f.rule: f for f in strict.check(make_facts(posting))}
    assert got["content.headcount_invalid"].evidence.data == {"headcount": 3, "min": 1, "max": 2}
    assert got["content.description_short"].evidence.data["threshold"] == 500
