"""Salary reference data: region names, standards by date, bad files refused with file:line."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.factories import RULES
from verifier.families.salary.tables import city_name, load_wage_table, region_name
from verifier.pack import PackReader, RulePackError
from verifier.pipeline.catalog import Catalog


@pytest.mark.parametrize(
    ("raw", "want"),
    [("广东省", "广东"), ("广东", "广东"), ("北京市", "北京"), ("广西壮族自治区", "广西"),
     ("内蒙古自治区", "内蒙古"), ("新疆维吾尔自治区", "新疆"), ("宁夏回族自治区", "宁夏"),
     ("廣東省", "广东"), (" 上海 ", "上海"), ("", "")],
)
def test_region_names(raw: str, want: str) -> None:
    assert region_name(raw) == want


@pytest.mark.parametrize(("raw", "want"), [("深圳市", "深圳"), ("深圳", "深圳"), (None, "")])
def test_city_names(raw: str | None, want: str) -> None:
    assert city_name(raw) == want


def test_standard_in_force_replaces_every_tier() -> None:
    pack = PackReader(RULES)
    table = load_wage_table(pack)
    assert pack.issues == []
    old = table.in_force("河北", date(2022, 12, 31))
    new = table.in_force("河北", date(2023, 1, 1))
    assert old is not None and new is not None
    assert sorted(old.tiers) == [1, 2, 3, 4] and sorted(new.tiers) == [1, 2, 3]
    assert new.lowest().monthly == 1800
    assert table.in_force("福建", date(2022, 3, 31)) is None
    assert table.region_for("广东省", "深圳市") == "深圳"
    assert table.region_for("广东省", "广州市") == "广东"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "rules"
    shutil.copytree(RULES, root)
    return root


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "message"),
    [("salary/min_wage_2022.csv", "北京,1,2320,", "北京,1,abc,", 2, "monthly"),
     ("salary/min_wage_2022.csv", "天津,1,2180,22.6,2021-07-01,high",
      "天津,1,2180,22.6,2021-07-01,sure", 3, "confidence"),
     ("salary/city_tiers.csv", "广东,广州,1,high", "火星,广州,1,high", 2, "火星"),
     ("salary/bands.csv", "本科,1,8200", "本科,7,8200", 8, "market_tier")],
)
def test_bad_rule_files_are_refused_with_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, line: int, message: str
) -> None:
    root = _copy(tmp_path)
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        Catalog.load(root)
    hits = [i for i in err.value.issues if i.file == file]
    assert hits and hits[0].line == line and message in hits[0].message


def test_tier_order_is_checked(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    path = root / "salary/min_wage_2023.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("河北,1,2200", "河北,1,1700", 1),
                    encoding="utf-8")
    with pytest.raises(RulePackError, match="tier 1 must be the highest"):
        Catalog.load(root)
