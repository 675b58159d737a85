"""Labelled evaluation: corpus loading, CSV mappings, metrics and the `verifier eval` command."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from tests.factories import make_posting, posting_dict
from verifier.commands.eval import command
from verifier.eval.labels import Expected, Label, LabelledPosting, load_corpus
from verifier.eval.mapping import load_mapping, read_csv
from verifier.eval.metrics import Result, compute, rule_category, rule_family
from verifier.models import Evidence, Finding, Outcome, Severity, Span
from verifier.pack import RulePackError
from verifier.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "fixtures" / "corpus" / "postings.jsonl"
FRAUD_CATEGORIES = [
    "fee_upfront", "task_brushing", "typing_handwork", "training_loan", "high_pay_lure",
    "mlm_pyramid", "overseas_trafficking", "impersonation_guarantee", "pii_money_mule",
    "off_platform_contact", "vice_illegal", "discrimination",
]


@pytest.mark.parametrize(("expected", "got", "agrees"), [
    ("approve", "approve", True), ("approve", "flag", False), ("flag", "reject", False),
    ("reject", "reject", True), ("not_approve", "flag", True), ("not_approve", "reject", True),
    ("not_approve", "approve", False),
])
def test_expected_agrees(expected: str, got: str, agrees: bool) -> None:
    """not_approve is caught by flag and by reject; the others must match exactly."""
    assert Expected(expected).agrees(Outcome(got)) is agrees


def _line(**label: object) -> bytes:
    lab = {"outcome": "approve", "category": "legit", **label}
    return orjson.dumps({"posting": posting_dict(), "label": lab})


def test_corpus_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    """A bad label and a duplicate id are both reported with their line numbers."""
    path = tmp_path / "c.jsonl"
    path.write_bytes(b"\n".join([_line(), _line(outcome="maybe"), b"", _line()]) + b"\n")
    with pytest.raises(RulePackError) as exc:
        load_corpus(path)
    where = [(i.file, i.line) for i in exc.value.issues]
    assert (str(path), 2) in where and (str(path), 4) in where
    assert "duplicate posting_id" in str(exc.value.issues[-1])


def test_shipped_corpus_is_valid_and_covers_every_category() -> None:
    """The corpus: 300+ valid postings, every fraud category, all three outcomes, both eras."""
    items = load_corpus(CORPUS)
    assert len(items) >= 300
    cats = Counter(i.label.category for i in items)
    for c in [*FRAUD_CATEGORIES, "legit", "salary", "content"]:
        assert cats[c] >= (5 if c in FRAUD_CATEGORIES else 1), c
    assert {i.label.outcome for i in items} == {Expected.approve, Expected.flag, Expected.reject}
    years = {i.posting.submitted_at.year for i in items if i.posting.submitted_at}
    assert {2022, 2025, 2026} <= years
    assert sum(i.posting.channel == "campus" for i in items) >= 20
    for i in items:
        if i.label.category not in FRAUD_CATEGORIES:
            continue
        if i.label.outcome is Expected.approve:
            # Grounds no law prohibits (age, height) are info by default: the note says so.
            assert "info by default" in i.label.note, i.posting.posting_id
        else:
            assert i.label.rules, i.posting.posting_id


MAPPING = """
[defaults]
channel = "social"

[fields.posting_id]
column = "id"
prefix = "t-"

[fields.title]
column = "title"

[fields.description]
columns = ["sub", "body"]
join = " / "

[fields."enterprise.name"]
column = "company"

[fields."location.province"]
column = "addr"
split = "_"
index = 0

[fields."location.district"]
column = "addr"
split = "_"
index = 1

[fields.headcount]
column = "need"
type = "int"

[fields.submitted_at]
column = "updated"
type = "datetime"

[label]
column = "label"
[label.outcomes]
"1.0" = "approve"
"0.0" = "not_approve"
"2.0" = "skip"
"" = "skip"
[label.categories]
"0.0" = "fake"
"""
CSV = (
    "id,title,sub,body,company,addr,need,updated,label\n"
    "1, 销售代表 ,底薪5000, 负责客户开发 ,甲公司,北京_朝阳_望京,10人,2019-04-15 00:00:00,1.0\n"
    '2,客服,,"多行\n描述",乙公司,上海_黄浦,2人,2019-04-16 00:00:00,0.0\n'
    "3,保安,,描述,丙公司,上海_浦东,1人,2019-04-16 00:00:00,2.0\n"
    "4,司机,,描述,丁公司,北京_海淀,1人,2019-04-16 00:00:00,\n"
    "5,文员,,描述,戊公司,北京_海淀,1人,2019-04-16 00:00:00,11.0\n"
    "6,,,描述,己公司,北京_海淀,1人,2019-04-16 00:00:00,1.0\n"
)


def _files(tmp_path: Path, mapping: str = MAPPING, csv: str = CSV) -> tuple[Path, Path]:
    m, c = tmp_path / "m.toml", tmp_path / "d.csv"
    m.write_text(mapping, encoding="utf-8")
    c.write_text(csv, encoding="utf-8")
    return m, c


def test_mapping_reads_rows_with_transforms(tmp_path: Path) -> None:
    """Strip, join, split, int and datetime transforms; labels mapped; skips counted by line."""
    m, c = _files(tmp_path)
    rows = read_csv(c, load_mapping(m))
    assert rows.total == 6
    first, second = rows.items
    p = first.posting
    assert (p.posting_id, p.title, p.description) == ("t-1", "销售代表", "底薪5000 / 负责客户开发")
    assert p.location is not None and (p.location.province, p.location.district) == ("北京", "朝阳")
    assert p.headcount == 10 and p.channel == "social"
    assert p.submitted_at is not None and p.submitted_at.isoformat() == "2019-04-15T00:00:00+08:00"
    assert first.label.outcome is Expected.approve and first.line == 2
    assert second.label.outcome is Expected.not_approve and second.label.category == "fake"
    assert second.posting.description == "多行\n描述" and second.line == 3
    reasons = {s.line: s.reason for s in rows.skipped}
    assert sorted(reasons) == [5, 6, 7, 8]
    assert "unknown label '11.0'" in reasons[7] and reasons[8].startswith("title")


def test_mapping_missing_column_names_mapping_line(tmp_path: Path) -> None:
    """A column the CSV lacks is refused, naming the mapping file and the field's line."""
    m, c = _files(tmp_path, csv=CSV.replace("company", "employer", 1))
    with pytest.raises(RulePackError) as exc:
        read_csv(c, load_mapping(m))
    issue = exc.value.issues[0]
    assert issue.file == str(m) and "'company'" in issue.message
    assert MAPPING.splitlines()[issue.line - 1].startswith('[fields."enterprise.name"]')


@pytest.mark.parametrize(("bad", "needle"), [
    (MAPPING.replace('type = "int"', 'type = "number"'), "type"),
    (MAPPING.replace('"0.0" = "not_approve"', '"0.0" = "fake"'), "outcomes"),
    (MAPPING.replace('column = "title"', 'column = "title"\nvalue = "x"'), "exactly one"),
    (MAPPING + "\n[oops\n", "invalid TOML"),
])
def test_bad_mapping_is_refused_with_line(tmp_path: Path, bad: str, needle: str) -> None:
    """Invalid mappings are refused with the file and a line number."""
    m, _ = _files(tmp_path, mapping=bad)
    with pytest.raises(RulePackError) as exc:
        load_mapping(m)
    assert any(needle in i.message and i.line > 0 and i.file == str(m)
               for i in exc.value.issues), exc.value.issues


def test_shipped_orfd_mapping_is_valid() -> None:
    """fixtures/mappings/orfd.toml loads and treats 0.0 as not_approve, 2.0 as skip."""
    lm = load_mapping(ROOT / "fixtures" / "mappings" / "orfd.toml")
    assert lm.mapping.label.outcomes["0.0"] is Expected.not_approve
    assert lm.mapping.label.outcomes["2.0"] == "skip"


@pytest.mark.parametrize(("rule", "category", "family"), [
    ("keywords.fee_upfront", "fee_upfront", "keywords.fee_upfront"),
    ("keywords.fee_upfront.deposit", "fee_upfront", "keywords.fee_upfront"),
    ("contact.off_platform", "off_platform_contact", "contact"),
    ("salary.below_min_wage", "salary", "salary"),
    ("content.missing.pay", "content", "content"),
])
def test_rule_category_and_family(rule: str, category: str, family: str) -> None:
    """Rule ids map to the fraud category and the family the reports group by."""
    assert (rule_category(rule), rule_family(rule)) == (category, family)


def _result(outcome: str, expected: str, category: str, rules: list[str],
            fired: list[str], pid: str) -> Result:
    item = LabelledPosting(make_posting(posting_id=pid),
                           Label(outcome=Expected(expected), category=category, rules=rules),
                           "x", 1)
    findings = [Finding(rule=r, severity=Severity.flag, message="m",
                        evidence=Evidence(spans=[Span(field="description", start=0, end=2,
                                                      text="押金")])) for r in fired]
    findings.append(Finding(rule="content.description_short", severity=Severity.info,
                            message="m"))
    return Result(item, Outcome(outcome), 0.0, findings)


def test_compute_metrics() -> None:
    """Confusion, binary view, category detection and family P/R from a small run."""
    results = [
        _result("reject", "reject", "fee_upfront", ["keywords.fee_upfront"],
                ["keywords.fee_upfront.deposit"], "a"),
        _result("flag", "reject", "fee_upfront", ["keywords.fee_upfront"],
                ["contact.off_platform"], "b"),
        _result("approve", "approve", "legit", [], [], "c"),
        _result("flag", "approve", "legit", [], ["keywords.fee_upfront"], "d"),
        _result("approve", "not_approve", "fake", [], [], "e"),
    ]
    rep = compute(results)
    assert dict(rep.confusion["reject"]) == {"reject": 1, "flag": 1}
    assert rep.confusion["not_approve"]["approve"] == 1
    assert (rep.binary.tp, rep.binary.fp, rep.binary.fn, rep.tn) == (2, 1, 1, 1)
    fee = rep.categories["fee_upfront"]
    assert (fee.n, fee.agree, fee.not_approved) == (2, 1, 2)
    assert (fee.detection.tp, fee.detection.fp, fee.detection.fn) == (1, 1, 1)
    assert "legit" in rep.categories and rep.categories["legit"].detection.tp == 0
    fam = rep.families["keywords.fee_upfront"]
    assert (fam.tp, fam.fp, fam.fn) == (1, 1, 1)
    assert [r.item.posting.posting_id for r in rep.disagreements] == ["b", "d", "e"]
    assert results[1].missing == ["keywords.fee_upfront"]
    assert results[0].all_rules == ["content.description_short", "keywords.fee_upfront.deposit"]
    data = rep.as_dict(show=1)
    assert data["disagreements"] == 3 and data["shown"][0]["posting_id"] == "b"
    assert data["binary"]["precision"] == round(2 / 3, 4)


def test_eval_command_json(tmp_path: Path) -> None:
    """`verifier eval FILE --json` runs the pipeline and reports the figures."""
    corpus = tmp_path / "c.jsonl"
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({}, "approve", "legit"),
        ({"description": ""}, "flag", "content"),
        ({"location": None}, "approve", "legit"),
    ]
    rows = [orjson.dumps({"posting": posting_dict(posting_id=f"p{i}", **over),
                          "label": {"outcome": out, "category": cat}})
            for i, (over, out, cat) in enumerate(cases)]
    corpus.write_bytes(b"\n".join(rows))
    settings = Settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/v.db")
    res = CliRunner().invoke(command, [str(corpus), "--json", "--rules", str(ROOT / "rules")],
                             obj=settings)
    assert res.exit_code == 0, res.output
    data = orjson.loads(res.output)
    assert data["evaluated"] == 3 and data["total"] == 3
    assert data["confusion"]["flag"] == {"flag": 1}
    assert data["disagreements"] == 1 and data["shown"][0]["posting_id"] == "p2"


def test_eval_command_refuses_bad_input(tmp_path: Path) -> None:
    """A CSV without a mapping is a usage error; a bad corpus line exits 2 with file:line."""
    csv = tmp_path / "d.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(command, [str(csv)]).exit_code == 2
    bad = tmp_path / "c.jsonl"
    bad.write_bytes(b'{"posting": {}, "label": {}}\n')
    res = runner.invoke(command, [str(bad)])
    assert res.exit_code == 2 and f"{bad}:1:" in res.output
