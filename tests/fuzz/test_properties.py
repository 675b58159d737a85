"""Property tests: the normalizer, the salary parser, the keyword engine and the registry
importer never raise on any input (they report problems as values)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_facts, make_posting
from verifier.families.keywords.checks import KeywordsCheck
from verifier.pack import PackReader
from verifier.pipeline.facts import posting_text
from verifier.registry.capital import CapitalParser
from verifier.registry.importer import ImportFailed, parse_file
from verifier.registry.mapping import Mapping
from verifier.registry.status import StatusMap
from verifier.text.normalize import normalize
from verifier.text.salary import find_pay, parse

ROOT = Path(__file__).resolve().parents[2]
# Text that looks like postings: CJK, full-width forms, digits and units, punctuation,
# control and odd code points, emoji, surrogate-free unicode at large.
PIECES = st.sampled_from([
    "月薪", "元", "万", "k", "K", "千", "-", "~", "至", "/月", "/天", "时薪", "年薪", "13薪",
    "８０００", "1.5", "面议", "兼职", "日结", "加微信", "押金", "培训费", "刷单", "不限",
    "\n", "\t", "\u3000", "\x00", "\u200b", "，", "。", "（", "）", "😀", "ｗｘ", "ＱＱ",
])
TEXT = st.one_of(st.text(max_size=200), st.lists(PIECES | st.text(max_size=5), max_size=40)
                 .map("".join))
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(TEXT)
def test_normalizer_never_raises(text: str) -> None:
    out = normalize(text)
    assert isinstance(out, str)
    # A posting cannot hold NUL (the API refuses it); the normalizer above saw it.
    views = posting_text(make_posting(description=text.replace("\x00", "")))
    for name in views.names():
        views.view(name).norm  # noqa: B018 - computed lazily: force it


@FUZZ
@given(TEXT)
def test_salary_parser_never_raises(text: str) -> None:
    got = parse(text)
    got.evidence()
    for pay in find_pay(text):
        assert pay.monthly_min is None or isinstance(pay.monthly_min, float)
        pay.evidence()


@pytest.fixture(scope="module")
def keywords() -> KeywordsCheck:
    pack = PackReader(ROOT / "rules")
    check = KeywordsCheck.load(pack)
    assert pack.issues == []
    return check


@FUZZ
@given(title=st.text(min_size=1, max_size=60).filter(str.strip) | PIECES, description=TEXT)
def test_keyword_engine_never_raises(
    keywords: KeywordsCheck, title: str, description: str
) -> None:
    posting = make_posting(title=title[:200].replace("\x00", "") or "x",
                           description=description.replace("\x00", ""))
    for finding in keywords.check(make_facts(posting)):
        assert finding.rule.startswith("keywords")


CELL = st.one_of(st.text(max_size=30), PIECES, st.sampled_from(
    ["91220101MA13XQYL0T", "N/A", "", "1978-12-25", "1,000(万元人民币)", "存续", "吊销"]))


@pytest.fixture(scope="module")
def tables() -> tuple[StatusMap, CapitalParser, Mapping]:
    return (StatusMap.from_rules(ROOT / "rules"), CapitalParser.from_rules(ROOT / "rules"),
            Mapping.load(ROOT / "fixtures" / "mappings" / "registry_sample.toml"))


HEADER = ["企业名称", "统一社会信用代码", "注册日期", "企业类型", "法人代表", "注册资金",
          "经营范围", "所在省份", "地区", "注册地址", "source_file"]


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=13), max_size=8),
       header=st.booleans(), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
       junk=st.binary(max_size=20))
def test_registry_importer_never_raises(
    tables: tuple[StatusMap, CapitalParser, Mapping], rows: list[list[str]], header: bool,
    encoding: str, junk: bytes,
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    if header:
        w.writerow(HEADER)
    w.writerows(rows)
    try:
        data = buf.getvalue().encode(encoding, errors="replace") + junk
    except UnicodeEncodeError:
        data = junk
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.csv"
        path.write_bytes(data)
        try:
            parsed = parse_file(path, tables[2], tables[0], tables[1])
            records: list[Any] = list(parsed.iter_records())
        except ImportFailed as exc:  # a file-level problem, reported with its cause
            assert str(exc)
            return
    assert parsed.report is not None
    assert all(r is not None for _, r in records)
