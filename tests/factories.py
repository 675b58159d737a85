"""Build postings and facts for tests, with overrides."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from verifier.families.base import Check
from verifier.models import Posting
from verifier.pack import PackReader, RuleIssue
from verifier.pipeline.facts import Facts, context

"""The repository's rule pack."""

RULES = Path(__file__).resolve().parents[1] / "rules"
"""The repository's rule pack."""

C = TypeVar("C", bound=Check[Any])

BASE: dict[str, Any] = {
    "posting_id": "p-1",
    "title": "Java开发工程师",
    "description": (
        "负责公司核心业务系统的后端开发与维护，参与需求分析、系统设计和代码评审。"
        "要求计算机相关专业本科及以上学历，熟悉Java、Spring Boot和MySQL。"
    ),
    "enterprise": {"name": "华为技术有限公司", "uscc": "914403001922038216"},
    "location": {"province": "广东", "city": "深圳"},
    "salary": {"text": "8k-12k", "min": 8000, "max": 12000, "unit": "month"},
    "employment_type": "full_time",
    "education": "本科",
    "headcount": 3,
    "submitted_at": "2022-04-15T10:00:00+08:00",
}


def posting_dict(**overrides: Any) -> dict[str, Any]:
    """The base posting as a JSON-ready dict, with top-level keys replaced or removed (None)."""
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in BASE.items()}
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def make_posting(**overrides: Any) -> Posting:
    """A valid Posting (the base one, with overrides)."""
    return Posting.model_validate_json(__import__("json").dumps(posting_dict(**overrides)))


def make_facts(posting: Posting, now: datetime | None = None, *, portal: str | None = None,
               **values: Any) -> Facts:
    """The evaluation context of a posting, with fact values given by name."""
    clock = now or posting.submitted_at or datetime(2022, 4, 15, tzinfo=UTC)
    ctx = context(posting, clock, portal)
    ctx.values.update(values)
    return ctx


def load_check(klass: type[C], rules: Path = RULES) -> C:
    """A check loaded from the rule pack (the repository's by default), which must be clean."""
    pack = PackReader(rules)
    check = klass.load(pack)
    assert pack.issues == [], pack.issues
    return check


def declared(check: C, rules: Path = RULES) -> C:
    """A check built by hand (other params), given its rules' declarations from the pack."""
    pack = PackReader(rules)
    check.rules = type(check).declared(pack)
    assert pack.issues == [], pack.issues
    return check


def refused(klass: type[Check[Any]], root: Path, file: str, old: str, new: str
            ) -> list[RuleIssue]:
    """The issues loading `klass` records from a copy of the repository's pack at `root`
    whose `file` has `old` replaced by `new` (which must be there)."""
    shutil.copytree(RULES, root)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    pack = PackReader(root)
    klass.load(pack)
    return pack.issues
