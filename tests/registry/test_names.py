"""Company-name normalization and parsing (DOMAIN.md §3.2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.pack import PackReader
from verifier.registry.names import NameRules, clean_name, normalize_name, regions_compatible


@pytest.mark.parametrize(
    ("name", "regions", "trade", "industry", "form", "branch"),
    [
        ("北京字节跳动科技有限公司", ("北京",), "字节跳动", "科技", "有限公司", ""),
        ("百度在线网络技术（北京）有限公司", ("北京",), "百度", "在线网络技术", "有限公司", ""),
        ("腾讯科技(深圳)有限公司", ("深圳",), "腾讯", "科技", "有限公司", ""),
        ("华为技术有限公司", (), "华为", "技术", "有限公司", ""),
        ("小米科技有限责任公司", (), "小米", "科技", "有限公司", ""),
        ("招商银行股份有限公司", (), "招商", "银行", "股份有限公司", ""),
        (
            "中国平安财产保险股份有限公司上海分公司",
            (),
            "中国平安财产",
            "保险",
            "股份有限公司",
            "上海分公司",
        ),
        ("长春市华翰印务有限公司", ("长春",), "华翰", "印务", "有限公司", ""),
        ("延边朝鲜族自治州华翰印务有限公司", ("延边",), "华翰", "印务", "有限公司", ""),
        ("北京市朝阳区华联商厦有限公司", ("北京", "朝阳区"), "华联商厦", "", "有限公司", ""),
        ("华翰印务分公司", (), "华翰", "印务", "", "分公司"),
        ("浙江黄岩电子彩印厂", ("浙江",), "黄岩", "电子彩印", "厂", ""),
    ],
)
def test_parse_structure(
    name: str, regions: tuple[str, ...], trade: str, industry: str, form: str, branch: str
) -> None:
    p = normalize_name(name)
    assert (p.regions, p.trade, p.industry, p.form, p.branch) == (
        regions,
        trade,
        industry,
        form,
        branch,
    )
    assert p.trade_name == p.trade and p.normalized == p.name_norm


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("百度在线网络技术（北京）有限公司", "北京百度在线网络技术有限公司"),
        ("百度在线网络技术(北京)有限公司", "百度在线网络技术【北京】有限公司"),
        ("北京市字节跳动科技有限公司", "北京字节跳动科技有限公司"),
        ("华为技术有限责任公司", "华为技术有限公司"),
        ("華為技術有限公司", "华为技术有限公司"),
        ("华为 技术 有限公司", "华为技术有限公司"),
        ("ＡＢＣ科技有限公司", "abc科技有限公司"),
        ("兴泰建设(集团)有限公司", "兴泰建设集团有限公司"),
        ("北京·字节跳动科技有限公司", "北京字节跳动科技有限公司"),
    ],
)
def test_same_company_written_differently_has_one_canonical_name(a: str, b: str) -> None:
    assert normalize_name(a).name_norm == normalize_name(b).name_norm


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("北京华翰印务有限公司", "上海华翰印务有限公司"),  # same 字号, other city
        ("华翰印务有限公司", "华翰食品有限公司"),  # other industry
        ("华为技术有限公司", "华为技术股份有限公司"),  # other form
        ("华为技术有限公司", "华为技术有限公司北京分公司"),  # a branch is its own entity
    ],
)
def test_different_companies_keep_different_canonical_names(a: str, b: str) -> None:
    assert normalize_name(a).name_norm != normalize_name(b).name_norm


def test_branch_keeps_parent_key() -> None:
    p = normalize_name("中国平安财产保险股份有限公司上海分公司")
    assert p.parent_norm == normalize_name("中国平安财产保险股份有限公司").name_norm
    assert p.name_norm == p.parent_norm + "上海分公司"


def test_clean_name_is_character_level_only() -> None:
    assert clean_name(" 騰訊科技（深圳）有限公司 ") == "腾讯科技(深圳)有限公司"


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [((), ("北京",), True), (("北京",), ("北京", "朝阳区"), True), (("北京",), ("上海",), False)],
)
def test_regions_compatible(a: tuple[str, ...], b: tuple[str, ...], ok: bool) -> None:
    assert regions_compatible(a, b) is ok


@pytest.mark.parametrize("name", ["", "有限公司", "(", "公司公司公司", "北京市", "分公司"])
def test_degenerate_names_do_not_raise(name: str) -> None:
    p = normalize_name(name)
    assert isinstance(p.name_norm, str)


def test_bad_rules_file_refused_with_line(tmp_path: Path) -> None:
    (tmp_path / "registry").mkdir()
    (tmp_path / "registry" / "names.toml").write_text(
        'strong_markers = ["有限"]\nbranches = 3\n', encoding="utf-8"
    )
    (tmp_path / "registry" / "divisions.csv").write_text("code,name,level\n", encoding="utf-8")
    pack = PackReader(tmp_path)
    NameRules.from_pack(pack)
    assert any(i.file == "registry/names.toml" and i.line == 2 for i in pack.issues)
