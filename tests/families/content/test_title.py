"""content.title_mismatch: the title's occupation vs the duties the description lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import load_check, make_facts, make_posting
from verifier.families.content.title import TitleMismatchCheck
from verifier.pack import PackReader
from verifier.text.occupations import Taxonomy


@pytest.fixture(scope="module")
def check() -> TitleMismatchCheck:
    return load_check(TitleMismatchCheck)


CATERING = ("工作内容：负责点餐、传菜、上菜，收台翻台，保持餐厅和餐具整洁，"
            "协助后厨备菜，营业结束后打扫卫生。")
SOFTWARE = "负责后端服务开发，编写和评审代码，设计数据库表结构与接口，在linux服务器上部署调试。"
SALES = "负责开发客户并维护客户关系，介绍产品促成成交，完成月度业绩，提成另计。"

CASES = [
    # title, description, fires, description family
    ("公关专员", CATERING, True, "catering"),
    ("Java开发工程师", CATERING, True, "catering"),
    ("行政文员", SALES + "带看房源。", True, "sales"),
    ("服务员", CATERING, False, None),
    ("Java开发工程师", SOFTWARE, False, None),
    ("电话销售", SALES, False, None),
    ("客服专员", SALES, False, None),             # related families overlap
    ("软件销售", SALES, False, None),             # head noun: a sales job
    ("储备干部", CATERING, False, None),          # title names no family
    ("公关专员", "负责点餐传菜。", False, None),    # too short to judge
]


@pytest.mark.parametrize(("title", "description", "fires", "family"), CASES)
def test_title_vs_duties(check: TitleMismatchCheck, title: str, description: str, fires: bool,
                         family: str | None) -> None:
    p = make_posting(title=title, description=description)
    found = check.check(make_facts(p))
    assert [f.rule for f in found] == (["content.title_mismatch"] if fires else [])
    if fires:
        ev = found[0].evidence
        assert ev.data["description_family"] == family
        assert len(ev.data["description_terms"]) >= 3
        # Spans point into the original fields.
        for s in ev.spans:
            assert getattr(p, s.field)[s.start:s.end] == s.text
        assert ev.spans[0].field == "title"


def test_full_width_title_is_read_after_normalization(check: TitleMismatchCheck) -> None:
    p = make_posting(title="ＪＡＶＡ开发", description=CATERING)
    found = check.check(make_facts(p))
    assert found and found[0].evidence.spans[0].text == "ＪＡＶＡ"


def test_taxonomy_refuses_unknown_related_with_line(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "occupations.toml").write_text(
        '[[family]]\nid = "a"\nname = "甲"\nrelated = ["zzz"]\n', encoding="utf-8")
    pack = PackReader(tmp_path)
    Taxonomy.load(pack)
    assert [str(i) for i in pack.issues] == [
        "content/occupations.toml:2: family 'a': unknown related 'zzz'"]


def test_taxonomy_refuses_bad_field_with_line(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "occupations.toml").write_text(
        '[[family]]\nid = "a"\nname = "甲"\nskiled = true\n', encoding="utf-8")
    pack = PackReader(tmp_path)
    Taxonomy.load(pack)
    assert len(pack.issues) == 1 and pack.issues[0].line == 4
