"""Facts: the per-posting memo shared by checks."""

from __future__ import annotations

from tests.factories import make_facts, make_posting
from verifier.text.salary_posting import stated_salary


def test_memo_builds_once_per_facts() -> None:
    facts = make_facts(make_posting())
    calls: list[int] = []

    def build() -> list[int]:
        calls.append(1)
        return [len(calls)]

    first = facts.memo("k", build)
    assert facts.memo("k", build) is first
    assert calls == [1]
    assert make_facts(make_posting()).memo("k", build) == [2]


def test_stated_salary_is_shared_and_equal_to_the_plain_read() -> None:
    posting = make_posting()
    facts = make_facts(posting)
    shared = stated_salary(posting, facts)
    assert shared is stated_salary(posting, facts)
    assert shared == stated_salary(posting)
    assert shared is not None and shared.min == 8000
