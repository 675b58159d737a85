"""The item template over a stored posting: every field autoescaped, spans highlighted."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jinja2

from verifier.console import filters
from verifier.console.render import posting_fields
from verifier.models import Decision, Evidence, Finding, Severity, Span
from verifier.review.schemas import ItemDetail

NASTY = "<script>alert(1)</script>"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("verifier.console", "templates"),
                             autoescape=jinja2.select_autoescape(default=True,
                                                                 default_for_string=True))
    env.filters.update(filters.FILTERS)
    return env


def _detail(posting: dict[str, Any], finding: Finding) -> ItemDetail:
    now = datetime.now(UTC)
    decision = Decision(decision_id="d1", posting_id="p1", portal="zhaopin", outcome="flag",
                        risk_score=30, findings=[finding], tags=[], rules_version="r",
                        content_hash="c" * 64, decided_at=now)
    item = {"id": "d1", "decision_id": "d1", "kind": "flag", "status": "pending",
            "portal": "zhaopin", "posting_id": "p1", "version": 1, "priority": 1.0,
            "risk_score": 30.0, "rules": [finding.rule], "campaign": None,
            "enterprise_uscc": None, "created_at": now, "due_at": None, "overdue": False,
            "lease": None, "outcome": None, "reason": None, "reason_label": None,
            "note": None, "resolved_by": None, "resolved_at": None, "superseded_by": None,
            "resolution_id": None}
    return ItemDetail.model_validate({"item": item, "decision": decision, "posting": posting,
                                      "events": [], "notes": [], "diff": None,
                                      "earlier": []})


def test_stored_posting_is_escaped_and_highlighted() -> None:
    desc = f"限985院校。{NASTY}"
    posting = {"title": f"工程师{NASTY}", "description": desc,
               "enterprise": {"name": "某公司"}}
    f = Finding(rule="keywords.discrimination.school", severity=Severity.flag, message="m",
                evidence=Evidence(spans=[Span(field="description", start=0, end=5,
                                              text="限985")]))
    d = _detail(posting, f)
    html = _env().get_template("item.html").render(
        d=d, findings=[f], stored=True, fields=posting_fields(posting, [f]),
        basis=lambda _f: None, employer=[], record=None, salary=[], mine=False, lease=None,
        approve_reasons=[], reject_reasons=[], prev_id=None, next_id=None, done=None,
        session=None, path="/console/items/d1")
    assert NASTY not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2
    assert '<mark class="hit" title="keywords.discrimination.school"' in html


def test_matched_pieces_without_the_posting_are_escaped() -> None:
    from verifier.console.render import span_fields

    f = Finding(rule="salary.unparsed", severity=Severity.flag, message=f"无法识别“{NASTY}”",
                evidence=Evidence(spans=[Span(field="salary.text", start=0, end=len(NASTY),
                                              text=NASTY)]))
    html = _env().get_template("item.html").render(
        d=_detail({}, f), findings=[f], stored=False, fields=span_fields([f]),
        basis=lambda _f: None, employer=[], record=None, salary=[], mine=False, lease=None,
        approve_reasons=[], reject_reasons=[], prev_id=None, next_id=None, done=None,
        session=None, path="/console/items/d1")
    assert NASTY not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # the span and message
