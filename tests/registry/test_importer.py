"""Registry import on SQLite and PostgreSQL: upsert, bad rows, duplicates, encodings, atomicity.

Rows below are real registrations taken from Enterprise-Registration-Data-of-Chinese-Mainland
(Wen Liu, CC BY-NC-SA 4.0), in the layout of ../shared/data/registry/*.csv.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.ext.asyncio import AsyncEngine

from verifier.registry.capital import CapitalParser
from verifier.registry.importer import ImportFailed, Parsed, import_records, parse_file
from verifier.registry.mapping import Mapping
from verifier.registry.records import EnterpriseRecord, Status
from verifier.registry.status import StatusMap
from verifier.registry.uscc import regno15_check_digit
from verifier.store.registry_repo import RegistryRepo, RegnoConflict

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_MAP = ROOT / "fixtures" / "mappings" / "registry_sample.toml"
ORFD_MAP = ROOT / "fixtures" / "mappings" / "orfd_companies.toml"
HEADER = "企业名称,统一社会信用代码,注册日期,企业类型,法人代表,注册资金,经营范围,所在省份,地区,注册地址,source_file"  # noqa: E501
JILIN = "吉林华翰印务有限公司,91220101MA13XQYL0T,1978-12-25,N/A,王森,\"1,000(万元人民币)\",印刷,吉林,长春,长春净月潭旅游经济开发区玉潭镇建国村,1978/吉林.csv"  # noqa: E501
MIANYANG = "绵阳市驰衡小汽车修理有限公司,91510703205451059P,1978-01-01,N/A,刘云泽,101.2000(万元人民币),汽车修理,四川,绵阳,绵阳市涪城区长虹大道南段106号,1978/四川.csv"  # noqa: E501
ZIGONG = "自贡市自流井区农团木制品厂,91510302204203942D,1978-08-30,个人独资企业,万科容,N/A,加工木竹制品,四川,自贡,自贡市自流井区仲权镇仲权村二组,1978/四川.csv"  # noqa: E501
REGNO = "常州市伟程化纤设备有限公司,320404000009558,1979-01-01,N/A,孙桂凤,100(万元人民币),纺织机械配件,江苏,常州,钟楼区五星街道大仓路260号,1979/江苏.csv"  # noqa: E501
BAD13 = "阜宁县杨集商业合作社,3209231100626,1979-01-01,N/A,某,10(万元),百货,江苏,盐城,阜宁县,1979/江苏.csv"  # noqa: E501
BADCHECK = "某某公司,91220101MA13XQYL0A,1980-01-01,N/A,某,10(万元),百货,吉林,长春,长春,1980/吉林.csv"  # noqa: E501


def write(tmp: Path, lines: list[str], name: str = "in.csv", encoding: str = "utf-8") -> Path:
    p = tmp / name
    p.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return p


@pytest.fixture(scope="module")
def tables() -> tuple[StatusMap, CapitalParser]:
    return StatusMap.from_rules(ROOT / "rules"), CapitalParser.from_rules(ROOT / "rules")


def parse(path: Path, tables: tuple[StatusMap, CapitalParser], mapping: Path = SAMPLE_MAP,
          encoding: str | None = None) -> Parsed:
    return parse_file(path, Mapping.load(mapping), tables[0], tables[1], encoding)


async def test_import_then_upsert(engine: AsyncEngine, tmp_path: Path, tables: tuple[StatusMap,
                                  CapitalParser]) -> None:
    path = write(tmp_path, [HEADER, JILIN, MIANYANG, ZIGONG, REGNO])
    report = await import_records(engine, parse(path, tables))
    assert (report.committed, report.inserted, report.updated) == (True, 4, 0)
    repo = RegistryRepo(engine)
    rec = await repo.get("91220101MA13XQYL0T")
    assert rec is not None and rec.name == "吉林华翰印务有限公司"
    assert (rec.capital_cny, rec.capital_currency, rec.division_code) == (10_000_000, "CNY",
                                                                          "220101")
    assert rec.status is Status.unknown and rec.established is not None
    old = await repo.get_by_regno("320404000009558")
    assert old is not None and old.uscc is None
    again = await import_records(engine, parse(path, tables))
    assert (again.inserted, again.updated) == (0, 4)
    assert await repo.count() == 4
    hits = await repo.search("吉林华翰印务有限公司")
    assert hits and hits[0].record.uscc == "91220101MA13XQYL0T" and hits[0].score == 100


@pytest.mark.parametrize(
    ("rows", "line", "reason"),
    [
        ([JILIN, BAD13], 3, "length"),
        ([BADCHECK, JILIN], 2, "check_char"),
        ([JILIN, "x,y"], 3, "cells"),
        ([JILIN, "," + JILIN.split(",", 1)[1]], 3, "missing enterprise name"),
        ([JILIN.replace("1978-12-25", "19781225x")], 2, "unreadable date"),
    ],
)
async def test_bad_rows_import_nothing_unless_skip_bad(
    engine: AsyncEngine, tmp_path: Path, tables: tuple[StatusMap, CapitalParser],
    rows: list[str], line: int, reason: str,
) -> None:
    parsed = parse(write(tmp_path, [HEADER, *rows]), tables)
    assert [(p.line, reason in p.reason) for p in parsed.report.rejected] == [(line, True)]
    report = await import_records(engine, parsed)
    assert not report.committed and await RegistryRepo(engine).count() == 0
    report = await import_records(engine, parsed, skip_bad=True)
    assert report.committed and await RegistryRepo(engine).count() == len(rows) - 1


async def test_a_nul_in_a_row_refuses_the_row_naming_its_column(
    engine: AsyncEngine, tmp_path: Path, tables: tuple[StatusMap, CapitalParser]
) -> None:
    """PostgreSQL cannot store NUL: the row is bad like any other (SQLite and PostgreSQL)."""
    path = write(tmp_path, [HEADER, JILIN, MIANYANG.replace(",汽车修理,", ",汽车\x00修理,")])
    parsed = parse(path, tables)
    assert [(p.line, p.column, p.kind) for p in parsed.report.rejected] == [
        (3, "经营范围", "nul_character")]
    report = await import_records(engine, parsed, skip_bad=True)
    assert (report.committed, report.inserted) == (True, 1)


def test_duplicates_identical_merged_differing_rejected(
    tmp_path: Path, tables: tuple[StatusMap, CapitalParser]
) -> None:
    other = MIANYANG.replace("绵阳市驰衡小汽车修理有限公司", "别的公司")
    parsed = parse(write(tmp_path, [HEADER, MIANYANG, JILIN, MIANYANG, other]), tables)
    assert parsed.report.duplicates_merged == 1
    assert [(p.line, p.reason) for p in parsed.report.rejected] == [
        (5, "duplicate code 91510703205451059P: differs from line 2")
    ]


def test_repeated_header_rows_are_skipped(tmp_path: Path, tables: tuple[StatusMap,
                                          CapitalParser]) -> None:
    parsed = parse(write(tmp_path, [HEADER, JILIN, HEADER, MIANYANG]), tables)
    assert (parsed.report.headers_skipped, parsed.report.good, parsed.report.rejected) == (1, 2, [])


ORFD_HEADER = "Job_ID,companyName,creditCode,operatingStatus,estiblishDate,regCapital,companySize,regAddress,businessScope"  # noqa: E501


@pytest.mark.parametrize(
    ("status", "expected"),
    [("存续（在营、开业、在册）", Status.active), ("注销", Status.deregistered),
     ("在营（开业）企业", Status.active), ("吊销，未注销", Status.revoked)],
)
def test_orfd_company_columns(tmp_path: Path, tables: tuple[StatusMap, CapitalParser],
                              status: str, expected: Status) -> None:
    row = (f"1,北京麦田房产经纪有限公司,911101057776574230,{status},2005-07-21 00:00:00,"
           "2000 万元,1000人以上,北京市朝阳区望京东园三区16号楼3层301,从事房地产经纪业务")
    nocode = "3,上海允翎文化传媒有限公司,,注销,1800-12-31 00:00:00,50万人民币,50-99人,,"
    parsed = parse(write(tmp_path, [ORFD_HEADER, row, row.replace("1,", "2,", 1), nocode]),
                   tables, ORFD_MAP)
    [(line, rec)] = parsed.records
    assert (line, rec.status, rec.status_raw, rec.capital_cny) == (2, expected, status, 2e7)
    assert parsed.report.duplicates_merged == 1
    assert [(p.line, p.reason) for p in parsed.report.rejected] == [(4, "no USCC or 注册号")]


def test_unknown_status_is_reported_with_line(tmp_path: Path, tables: tuple[StatusMap,
                                              CapitalParser]) -> None:
    row = "1,甲公司,911101057776574230,营业中吧,2005-07-21 00:00:00,,,,"
    parsed = parse(write(tmp_path, [ORFD_HEADER, row]), tables, ORFD_MAP)
    assert [p.line for p in parsed.report.rejected] == [2]
    assert parsed.report.unknown_statuses == {"营业中吧": 1}


def test_wrong_encoding_names_the_line(tmp_path: Path, tables: tuple[StatusMap,
                                       CapitalParser]) -> None:
    path = write(tmp_path, [HEADER, JILIN, MIANYANG], encoding="gb18030")
    with pytest.raises(ImportFailed, match=r":1: not valid utf-8-sig \(try --encoding gb18030\)"):
        parse(path, tables)
    assert parse(path, tables, encoding="gb18030").report.good == 2


@pytest.mark.parametrize(("lines", "match"), [([""], "empty file"), ([HEADER], "no data rows")])
def test_empty_files(tmp_path: Path, tables: tuple[StatusMap, CapitalParser],
                     lines: list[str], match: str) -> None:
    with pytest.raises(ImportFailed, match=match):
        parse(write(tmp_path, lines), tables)


def test_mapping_naming_a_missing_column(tmp_path: Path, tables: tuple[StatusMap,
                                         CapitalParser]) -> None:
    with pytest.raises(ImportFailed, match=r":1: mapping names missing column\(s\): 注册资金"):
        parse(write(tmp_path, [HEADER.replace("注册资金", "资本"), JILIN]), tables)


async def test_failure_mid_import_leaves_registry_untouched(
    engine: AsyncEngine, tmp_path: Path, tables: tuple[StatusMap, CapitalParser]
) -> None:
    repo = RegistryRepo(engine)
    await repo.upsert([EnterpriseRecord(uscc="91510302204203942D", regno="320404000009558",
                                        name="占用注册号的公司")])
    path = tmp_path / "r.jsonl"
    # 600 good records (the repository writes 500 at a time), then one whose 注册号 another
    # enterprise holds: refused after the first 500 rows were written in the transaction.
    first14 = [f"{110000000000 + i:014d}" for i in range(600)]
    lines = [json.dumps({"regno": f + regno15_check_digit(f), "name": f"公司{i}"},
                        ensure_ascii=False) for i, f in enumerate(first14)]
    lines.append('{"uscc": "91220101MA13XQYL0T", "regno": "320404000009558", "name": "吉林华翰"}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_file(path, Mapping.identity("jsonl"), tables[0], tables[1])
    assert parsed.report.good == 601
    with pytest.raises(RegnoConflict, match="320404000009558"):
        await import_records(engine, parsed)
    written_first = first14[0] + regno15_check_digit(first14[0])
    assert await repo.count() == 1 and await repo.get_by_regno(written_first) is None


async def test_regno_only_update_keeps_the_uscc(engine: AsyncEngine) -> None:
    repo = RegistryRepo(engine)
    await repo.upsert([EnterpriseRecord(uscc="91510302204203942D", regno="320404000009558",
                                        name="甲")])
    res = await repo.upsert([EnterpriseRecord(regno="320404000009558", name="甲（更名）")])
    rec = await repo.get("91510302204203942D")
    assert (res.updated, rec and rec.name) == (1, "甲（更名）")


def test_jsonl_records_with_recognitions(tmp_path: Path, tables: tuple[StatusMap,
                                         CapitalParser]) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"uscc": "914403001922038216", "name": "华为技术有限公司", "status_raw": "存续",'
        ' "recognitions": [{"tier": "little_giant", "valid_until": "2025-06-30"}]}\n'
        '{"uscc": "9144030010001686XA", "name": "招商银行股份有限公司", "status": "revoked"}\n'
        "not json\n",
        encoding="utf-8",
    )
    parsed = parse_file(path, Mapping.identity("jsonl"), tables[0], tables[1])
    recs = [r for _, r in parsed.records]
    assert [r.status for r in recs] == [Status.active, Status.revoked]
    assert recs[0].recognitions[0].tier == "little_giant"
    assert [p.line for p in parsed.report.rejected] == [3]


def test_cli_import_get_search(tmp_path: Path) -> None:
    from verifier.cli import main

    url = f"sqlite:///{tmp_path}/cli.db"
    path = write(tmp_path, [HEADER, JILIN, BAD13])
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--database-url", url]).exit_code == 0
    res = runner.invoke(main, ["registry", "import", str(path), "--mapping", str(SAMPLE_MAP),
                               "--database-url", url])
    assert res.exit_code == 1 and ":3: invalid code" in res.output
    res = runner.invoke(main, ["registry", "import", str(path), "--mapping", str(SAMPLE_MAP),
                               "--database-url", url, "--skip-bad"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["registry", "get", "91220101MA13XQYL0T", "--database-url", url])
    assert res.exit_code == 0 and "吉林华翰印务有限公司" in res.output
    res = runner.invoke(main, ["registry", "search", "吉林华翰印务", "--database-url", url])
    assert res.exit_code == 0 and "91220101MA13XQYL0T" in res.output


def test_encoding_error_deep_in_the_file_names_its_line(
    tmp_path: Path, tables: tuple[StatusMap, CapitalParser]
) -> None:
    filler = [JILIN.replace("华翰印务", f"华翰印务{i}") for i in range(2000)]
    path = tmp_path / "mixed.csv"  # > 64 KiB of UTF-8, then one GB18030 line
    path.write_bytes(("\n".join([HEADER, *filler]) + "\n").encode()
                     + (MIANYANG + "\n").encode("gb18030"))
    with pytest.raises(ImportFailed, match=r":2002: not valid utf-8-sig"):
        parse(path, tables)


async def test_import_streams_in_batches_and_refuses_a_file_changed_between_passes(
    engine: AsyncEngine, tmp_path: Path, tables: tuple[StatusMap, CapitalParser]
) -> None:
    path = write(tmp_path, [HEADER, JILIN, MIANYANG, ZIGONG, REGNO, JILIN])  # JILIN twice
    parsed = parse(path, tables, mapping=SAMPLE_MAP)
    assert parsed.report.good == 4 and parsed.skip == {6}
    assert not hasattr(parsed, "__dict__") or "records" not in vars(parsed)  # nothing kept
    path.write_bytes(path.read_bytes() + (MIANYANG.replace("驰衡", "驰恒") + "\n").encode())
    with pytest.raises(ImportFailed, match="changed since it was checked"):
        await import_records(engine, parsed, skip_bad=True)
    assert await RegistryRepo(engine).count() == 0
    seen: list[int] = []
    report = await import_records(engine, parse(path, tables), skip_bad=True,
                                  progress=seen.append)
    assert report.committed and sum(seen) == report.inserted == await RegistryRepo(engine).count()
