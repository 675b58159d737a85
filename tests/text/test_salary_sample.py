"""The parser reads every string of the committed sample of real portal salary strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.text.salary import parse
from verifier.text.salary_coverage import bucket, coverage_of

SAMPLE = Path(__file__).resolve().parents[2] / "fixtures" / "salary_strings_sample.csv"


def _rows() -> list[str]:
    lines = [ln for ln in SAMPLE.read_text(encoding="utf-8").splitlines()
             if not ln.startswith("#")][1:]
    return [ln.split(",", 2)[1].strip('"') for ln in lines]


@pytest.mark.parametrize("text", _rows())
def test_every_sample_string_is_read(text: str) -> None:
    p = parse(text)
    assert bucket(p) in ("sane", "empty", "negotiable"), (text, p)


def test_sample_coverage_report() -> None:
    cov = coverage_of(SAMPLE.read_text(encoding="utf-8"))
    assert cov.total == 60
    assert cov.distinct["unread"] == 0 and cov.unread == []
    assert cov.distinct["sane"] + cov.distinct["empty"] == 60
    assert cov.weighted["empty"] > 0


def test_coverage_lists_unread_strings() -> None:
    cov = coverage_of("salary_text,count\n8-12K,3\nabc,2\n面议,1\n,4\n12-8k,1\n")
    assert dict(cov.distinct) == {"sane": 1, "unread": 2, "negotiable": 1, "empty": 1}
    assert [u[0] for u in cov.unread] == ["abc", "12-8k"]
    assert cov.weighted["empty"] == 4


def test_coverage_refuses_a_missing_column() -> None:
    with pytest.raises(ValueError, match="salary_text"):
        coverage_of("text\n8-12K\n")
