"""Item-page preparation: overlapping spans split into highlighted runs, employer fields
compared with the registry record, legal basis found, charts scaled."""

from __future__ import annotations

from verifier.console.charts import bar_chart
from verifier.console.render import basis, employer_rows, highlight, posting_fields
from verifier.models import Evidence, Finding, Severity, Span


def _finding(rule: str, spans: list[Span], sev: Severity = Severity.flag, **data: str
             ) -> Finding:
    return Finding(rule=rule, severity=sev, message="m", evidence=Evidence(spans=spans,
                                                                           data=data))


def test_overlapping_spans_split_into_runs_with_every_rule() -> None:
    segs = highlight("0123456789", [(2, 6, "a.x", False), (4, 8, "b.y", True)])
    assert [(s.text, s.rules, s.reject) for s in segs] == [
        ("01", [], False), ("23", ["a.x"], False), ("45", ["a.x", "b.y"], True),
        ("67", ["b.y"], True), ("89", [], False)]
    assert "".join(s.text for s in segs) == "0123456789"


def test_out_of_range_spans_are_ignored_not_fatal() -> None:
    segs = highlight("abc", [(2, 9, "x", False), (-1, 1, "y", False), (1, 1, "z", False)])
    assert [(s.text, s.rules) for s in segs] == [("abc", [])]


def test_posting_fields_carry_spans_of_their_own_field() -> None:
    posting = {"title": "招聘", "description": "缴纳押金500元", "enterprise": {"name": "某公司"}}
    f = _finding("keywords.fee.deposit", [Span(field="description", start=2, end=4,
                                               text="押金")], Severity.reject)
    shown = {s.name: s for s in posting_fields(posting, [f])}
    desc = shown["description"]
    assert desc.hits == 1 and desc.long
    assert [(s.text, s.rules) for s in desc.segments] == [
        ("缴纳", []), ("押金", ["keywords.fee.deposit"]), ("500元", [])]
    assert shown["title"].hits == 0 and "enterprise.name" in shown


def test_employer_differences_are_marked() -> None:
    posting = {"enterprise": {"name": "深圳某科技有限公司", "uscc": "91440300MA5XXXXXX1"}}
    record = {"name": "深圳某科技有限公司", "uscc": "91440300MA5XXXXXX2", "status_raw": "存续"}
    rows = {label: (p, r, bad) for label, p, r, bad in employer_rows(posting, record)}
    assert rows["企业名称"][2] is False
    assert rows["统一社会信用代码"][2] is True
    assert rows["登记状态"] == ("", "存续", False)
    assert all(not bad for *_, bad in employer_rows(posting, None))


def test_basis_prefers_the_legal_basis() -> None:
    assert basis(_finding("r", [], legal_basis="《劳动法》", basis="x")) == "《劳动法》"
    assert basis(_finding("r", [], basis="《就业促进法》第三条")) == "《就业促进法》第三条"
    assert basis(_finding("r", [])) is None


def test_bar_chart_scales_to_the_largest_value() -> None:
    chart = bar_chart([("a", 5), ("b", 10), ("c", 0)])
    assert [b.label for b in chart.bars] == ["b", "a", "c"]
    assert [b.width for b in chart.bars] == [chart.plot_w, chart.plot_w / 2, 0]
    assert bar_chart([]).bars == []


def test_without_the_stored_posting_the_matched_pieces_still_show() -> None:
    from verifier.console.render import span_fields

    f = _finding("keywords.fee.deposit", [Span(field="description", start=2, end=4, text="押金"),
                                          Span(field="description", start=9, end=11,
                                               text="保证")], Severity.reject)
    (shown,) = span_fields([f])
    assert shown.name == "description" and shown.label == "职位描述" and shown.hits == 2
    assert [(s.text, s.rules) for s in shown.segments] == [
        ("押金", ["keywords.fee.deposit"]), (" … ", []), ("保证", ["keywords.fee.deposit"])]
