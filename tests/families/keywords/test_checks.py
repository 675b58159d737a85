"""The keywords check: rule pack loading (and refusing), evidence, channel, bad input."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.factories import RULES, load_check, make_facts, make_posting
from verifier.families.keywords.checks import KeywordsCheck
from verifier.models import Finding, Outcome
from verifier.pack import PackReader, RulePackError
from verifier.pipeline.catalog import Catalog
from verifier.pipeline.engine import Engine

CATEGORIES = {
    "fee_upfront", "task_brushing", "typing_handwork", "training_loan", "high_pay_lure",
    "mlm_pyramid", "overseas_trafficking", "impersonation_guarantee", "pii_money_mule",
    "off_platform_contact", "vice_illegal", "discrimination",
}


@pytest.fixture(scope="module")
def check() -> KeywordsCheck:
    return load_check(KeywordsCheck)


def run(check: KeywordsCheck, **kw: object) -> dict[str, Finding]:
    posting = make_posting(**kw)
    return {f.rule: f for f in check.check(make_facts(posting))}


def test_pack_holds_every_csv_phrase_once() -> None:
    csv_phrases = 0
    for path in sorted((RULES / "keywords").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        blocks = text.split("[[phrase]]")[1:]
        csv_phrases += sum(1 for b in blocks if 'note = "extra' not in b)
    assert csv_phrases == 215
    files = {p.stem for p in (RULES / "keywords").glob("*.toml")}
    assert files - {"engine", "variants", "negation", "contact", "rules"} == CATEGORIES


def test_every_rule_has_title_and_discrimination_has_basis(check: KeywordsCheck) -> None:
    assert {r.split(".")[1] for r in check.rules} == CATEGORIES
    for rid, spec in check.rules.items():
        assert spec.title
        if rid.startswith("keywords.discrimination.") and not rid.endswith((".age", ".other")):
            assert "《" in (spec.legal_basis or ""), rid


def test_evidence_spans_point_into_the_original(check: KeywordsCheck) -> None:
    desc = "欢迎加入！入职先繳 押 金３００元，加ＶＸ详聊。"
    found = run(check, description=desc)
    fee = found["keywords.fee_upfront"]
    assert fee.severity.value == "reject"
    (span,) = fee.evidence.spans
    assert desc[span.start:span.end] == span.text == "繳 押 金"
    data = fee.evidence.data
    assert data["phrases"] == ["缴押金"]
    assert "劳动合同法" in data["legal_basis"]
    assert data["matches"][0]["matched"] == "繳 押 金"
    assert "出现" in fee.message
    off = found["keywords.off_platform_contact"]
    assert off.evidence.spans[0].text == "加ＶＸ"
    assert off.evidence.data["matches"][0]["via"] == "variant"


def test_title_is_scanned(check: KeywordsCheck) -> None:
    found = run(check, title="兼职刷单员")
    assert found["keywords.task_brushing"].evidence.spans[0].field == "title"


@pytest.mark.parametrize(("channel", "severity"), [("campus", "reject"), ("social", "flag"),
                                                   (None, "flag"), ("CAMPUS", "reject")])
def test_school_tier_by_channel(check: KeywordsCheck, channel: str | None, severity: str) -> None:
    found = run(check, description="要求985/211院校毕业", channel=channel)
    assert found["keywords.discrimination.school"].severity.value == severity


def test_allowed_sense_in_accounting_job(check: KeywordsCheck) -> None:
    desc = "负责投标保证金的缴纳与退还"
    assert run(check, title="会计", description=desc) == {}
    assert run(check, title="销售代表", description=desc)["keywords.fee_upfront"].severity.value \
        == "reject"


@pytest.mark.parametrize(
    "desc",
    ["", " ", "\x01\x02\x03" * 1000, "刷" * 100_000, "ａ" * 100_000,
     ("正常文本 mixed русский 한국어 😀\u200b\u202e" * 3000)[:100_000]],
)
def test_bad_input_never_raises(check: KeywordsCheck, desc: str) -> None:
    found = run(check, description=desc)
    assert all(f.rule.startswith("keywords.") for f in found.values())


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "rules"
    shutil.copytree(RULES, dst)
    return dst


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("fee_upfront.toml", 'text = "报名费"\nseverity = "reject"',
         'text = "报名费"\nseverity = "fatal"', "severity"),
        ("fee_upfront.toml", 'text = "报名费"', 'text = "报名费', "invalid TOML"),
        ("fee_upfront.toml", 'text = "报名费"', 'text = "押金"', "listed twice"),
        ("fee_upfront.toml", 'text = "报名费"', 'text = "* * *"', "nothing left|no letters"),
        ("fee_upfront.toml", 'text = "报名费"\nseverity = "reject"',
         'text = "报名费"\nseverity = "reject"\nrule = "keywords.nope"',
         "not a rule of category 'fee_upfront'"),
        ("fee_upfront.toml", 'text = "报名费"\nseverity = "reject"',
         'text = "报名费"\nseverity = "reject"\nrule = "keywords.task_brushing"',
         "not a rule of category 'fee_upfront'"),
        ("rules.toml", 'id = "keywords.fee_upfront"', 'id = "keywords.fee_other"',
         "no category file keywords/fee_other.toml"),
        ("rules.toml", 'title = "求职收费、押金"\n', "", "needs a `title`"),
        ("rules.toml", 'id = "keywords.fee_upfront.health_check"',
         'id = "keywords.fee_upfront.other"', "no phrase raises it"),
        ("fee_upfront.toml", 'category = "fee_upfront"\n',
         'category = "fee_upfront"\n[[rule]]\nid = "keywords.fee_upfront"\n', "rule"),
        ("negation.toml", "after_window = 4", "after_window = 99", "after_window"),
    ],
)
def test_bad_pack_is_refused_with_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    root = _copy(tmp_path)
    path = root / "keywords" / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    pack = PackReader(root)
    KeywordsCheck.load(pack)
    issues = [i for i in pack.issues if i.file == f"keywords/{file}"]
    assert issues, pack.issues
    assert any(re.search(message, i.message) for i in issues), issues
    assert all(i.line > 0 for i in issues)
    with pytest.raises(RulePackError):
        Catalog.load(root)


async def test_reload_with_bad_pack_keeps_the_old_automaton(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    engine = Engine(Catalog.load(root))
    path = root / "keywords" / "task_brushing.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[[phrase]]\ntext = 1\n",
                    encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        engine.swap(Catalog.load(root))
    assert "keywords/task_brushing.toml" in str(err.value)
    ev = await engine.evaluate(make_posting(description="刷*单兼职，日结"))
    assert ev.outcome is Outcome.reject
    assert "keywords.task_brushing" in {f.rule for f in ev.findings}


@pytest.mark.parametrize(
    ("desc", "outcome", "combo"),
    [
        ("诚招服务员，无需经验，时间自由，日结。负责餐厅点餐、上菜、清洁等工作，地点朝阳区。",
         Outcome.flag, False),
        ("诚招服务员，无需经验，日结。负责餐厅点餐、上菜、清洁等工作，工作地点在朝阳区。",
         Outcome.approve, False),
        ("手机兼职，时间自由，每天只需一两个小时，负责网店商品上架与客服。", Outcome.flag, True),
    ],
)
async def test_signals_add_up_in_the_policy(desc: str, outcome: Outcome, combo: bool) -> None:
    engine = Engine(Catalog.load(RULES))
    ev = await engine.evaluate(make_posting(description=desc))
    assert ev.outcome is outcome, [(f.rule, f.severity, f.score) for f in ev.findings]
    rules = {f.rule for f in ev.findings}
    assert ("policy.combination.easy_money_funnel" in rules) is combo
