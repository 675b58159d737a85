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
from verifier.pipeline.pack import RulePackError
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
        if i.label.category in FRAUD_CATEGORIES:
            assert i.label.rules and i.label.outcome is not Expected.approve, i.posting.posting_id


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


# --- the evaluation's own registry (verifier/eval/registry.py) ---------------------------

REGISTRY = ROOT / "fixtures" / "corpus" / "registry.jsonl"
HONEST = ("legit", "salary", "content")


def _records(n: int, seed: int) -> list[dict[str, Any]]:
    from verifier.registry.generate import generate

    return list(generate(n, seed=seed))


def _corpus(path: Path, postings: list[tuple[dict[str, Any], str, str]]) -> Path:
    rows = [orjson.dumps({"posting": posting_dict(posting_id=f"p{i}", **over),
                          "label": {"outcome": out, "category": cat}})
            for i, (over, out, cat) in enumerate(postings)]
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


def test_eval_imports_the_given_registry_into_a_temp_database(tmp_path: Path) -> None:
    """--registry FILE is judged against; DATABASE_URL is never created or read."""
    dead = {**_records(1, seed=7)[0], "status_raw": "注销", "status": "deregistered"}
    huawei = {"uscc": "914403001922038216", "name": "华为技术有限公司", "status_raw": "存续",
              "division_code": "440300", "established": "1987-09-15"}
    reg = tmp_path / "reg" / "companies.jsonl"
    reg.parent.mkdir()
    reg.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in (huawei, dead)))
    corpus = _corpus(tmp_path / "c.jsonl", [
        ({}, "approve", "legit"),
        ({"enterprise": {"name": dead["name"], "uscc": dead["uscc"]}}, "reject", "registry"),
    ])
    db = tmp_path / "v.db"
    res = CliRunner().invoke(command, [str(corpus), "--json", "--registry", str(reg)],
                             obj=Settings(DATABASE_URL=f"sqlite+aiosqlite:///{db}"))
    assert res.exit_code == 0, res.output
    data = orjson.loads(res.output)
    assert data["registry"]["file"] == str(reg) and data["registry"]["records"] == 2
    assert data["confusion"] == {"approve": {"approve": 1}, "reject": {"reject": 1}}
    assert not db.exists()


def test_eval_registry_csv_through_a_mapping_skips_bad_rows(tmp_path: Path) -> None:
    """A CSV registry goes through --registry-mapping; rows without a code are skipped and
    counted (--skip-bad semantics), the rest judge the postings."""
    good = _records(1, seed=3)[0]
    reg = tmp_path / "companies.csv"
    reg.write_text("企业名称,信用代码,经营状态\n"
                   f"{good['name']},{good['uscc']},吊销，未注销\n"
                   "无代码贸易有限公司,,存续\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[source]\nformat = "csv"\n[columns]\nname = "企业名称"\n'
                       'code = "信用代码"\nstatus = "经营状态"\n', encoding="utf-8")
    corpus = _corpus(tmp_path / "c.jsonl", [
        ({"enterprise": {"name": good["name"], "uscc": good["uscc"]}}, "reject", "registry")])
    res = CliRunner().invoke(command, [str(corpus), "--json", "--registry", str(reg),
                                       "--registry-mapping", str(mapping)])
    assert res.exit_code == 0, res.output
    data = orjson.loads(res.output)
    assert (data["registry"]["records"], data["registry"]["skipped"]) == (1, 1)
    assert data["confusion"] == {"reject": {"reject": 1}}


@pytest.mark.parametrize(("args", "says"), [
    (["--registry-mapping", "{m}"], "--registry-mapping needs --registry"),
    (["--registry", "{empty}"], "registry:"),
    (["--registry", "{reg}", "--no-registry"], "exclude each other"),
])
def test_eval_refuses_bad_registry_options(tmp_path: Path, args: list[str], says: str) -> None:
    """Registry options that cannot work exit 2 and say why."""
    files = {"m": tmp_path / "m.toml", "empty": tmp_path / "e.jsonl", "reg": tmp_path / "r.jsonl"}
    files["m"].write_text("", encoding="utf-8")
    files["empty"].write_text("", encoding="utf-8")
    files["reg"].write_bytes(orjson.dumps(_records(1, seed=1)[0]) + b"\n")
    corpus = _corpus(tmp_path / "c.jsonl", [({}, "approve", "legit")])
    argv = [str(corpus), *(a.format(**{k: str(v) for k, v in files.items()}) for a in args)]
    res = CliRunner().invoke(command, argv)
    assert res.exit_code == 2 and says in res.output


@pytest.mark.parametrize(("corpus", "sibling", "expected"), [
    ("c.jsonl", True, "registry.jsonl"),
    ("c.jsonl", False, None),
    ("c.csv", True, None),
])
def test_default_registry_is_the_one_beside_a_jsonl_corpus(
        tmp_path: Path, corpus: str, sibling: bool, expected: str | None) -> None:
    """Without --registry a JSONL corpus uses the registry.jsonl next to it, a CSV none."""
    from verifier.eval.registry import default_registry

    if sibling:
        (tmp_path / "registry.jsonl").write_text("{}\n", encoding="utf-8")
    got = default_registry(tmp_path / corpus)
    assert got == (tmp_path / expected if expected else None)
    assert default_registry(CORPUS) == REGISTRY


def test_corpus_registry_knows_every_honest_employer() -> None:
    """Honest employers are registered, active, with valid codes the posting (usually) gives."""
    from verifier.registry.records import EnterpriseRecord, Status
    from verifier.registry.uscc import validate_uscc

    recs = [EnterpriseRecord.model_validate_json(x) for x in REGISTRY.read_bytes().splitlines()]
    by_name = {n: r for r in recs for n in (r.name, *r.former_names)}
    assert len({r.uscc for r in recs}) == len(recs)
    assert all(r.uscc and validate_uscc(r.uscc).valid for r in recs)
    honest = [i for i in load_corpus(CORPUS) if i.label.category in HONEST]
    with_code = 0
    for item in honest:
        ent = item.posting.enterprise
        rec = by_name[ent.name]
        assert rec.status is Status.active, ent.name
        if ent.uscc is not None:
            with_code += 1
            assert ent.uscc == rec.uscc, ent.name
    assert 0.8 <= with_code / len(honest) < 0.97
    real = {"华为技术有限公司": "914403001922038216",
            "招商银行股份有限公司": "9144030010001686XA",
            "小米科技有限责任公司": "91110108551385082Q",
            "中航重机股份有限公司": "91520000214434146R"}
    assert {n: by_name[n].uscc for n in real} == real


def test_corpus_exercises_every_registry_check() -> None:
    """Each registry rule a reviewer can expect is expected by at least one labelled posting,
    and fraudulent employers come in every registry situation."""
    items = load_corpus(CORPUS)
    expected = {r for i in items for r in i.label.rules if r.startswith("registry")}
    for rule in ["registry.status.deregistered", "registry.status.revoked",
                 "registry.status.liquidating", "registry.status.cancelled",
                 "registry.status.closed_temporarily", "registry.status.moved_out",
                 "registry.status.suspended", "registry.name_mismatch", "registry.lookalike",
                 "registry.too_new", "registry.list.abnormal",
                 "registry.list.serious_violation", "registry.claim.zjtx",
                 "registry.uscc.invalid", "registry.not_found"]:
        assert rule in expected, rule
    situations = Counter(i.label.note.rsplit("employer: ", 1)[1] for i in items
                         if "employer: " in i.label.note)
    assert len(situations) == 8 and min(situations.values()) >= 3
