"""What the item page shows, prepared for templates: highlighted text, the employer beside
its registry record, salary against the threshold used, legal bases, character diffs."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from verifier.models import Finding

FIELDS: list[tuple[str, str]] = [
    ("title", "职位名称"), ("enterprise.name", "企业名称"), ("enterprise.uscc", "统一社会信用代码"),
    ("salary.text", "薪资"), ("location", "工作地点"), ("employment_type", "用工类型"),
    ("education", "学历"), ("experience", "经验"), ("headcount", "招聘人数"),
    ("channel", "渠道"), ("campaign", "专项活动"), ("contact", "联系方式"),
    ("description", "职位描述"), ("company_profile", "企业简介"), ("source_url", "原文链接"),
]
LONG = {"description", "company_profile"}
EMPLOYER: list[tuple[str, str, str]] = [
    ("企业名称", "enterprise.name", "name"), ("统一社会信用代码", "enterprise.uscc", "uscc"),
    ("曾用名", "", "former_names"), ("登记状态", "", "status_raw"),
    ("成立日期", "", "established"), ("登记地址", "location.address", "address"),
    ("区划代码", "location.division_code", "division_code"), ("行业", "", "industry"),
    ("规模", "", "size_class"), ("参保人数", "", "staff"),
]
KINDS = {"full_time": "全职", "part_time": "兼职", "internship": "实习"}


@dataclass
class Segment:
    """A run of text and the rules whose spans cover it (none: plain text)."""

    text: str
    rules: list[str] = field(default_factory=list)
    reject: bool = False


@dataclass
class ShownField:
    """One posting field as displayed: its label and highlighted segments."""

    name: str
    label: str
    segments: list[Segment]
    long: bool
    hits: int


def lookup(data: Any, path: str) -> Any:
    """`a.b` inside nested dicts (None when absent)."""
    for part in path.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # a location: province, city, district, address in order
        parts = [value.get(k) for k in ("province", "city", "district", "address")]
        return " ".join(str(p) for p in parts if p)
    return KINDS.get(str(value), str(value))


def highlight(text: str, spans: list[tuple[int, int, str, bool]]) -> list[Segment]:
    """Split `text` at every span edge; each piece lists the rules covering it."""
    cuts = {0, len(text)}
    ok = [(s, e, r, rej) for s, e, r, rej in spans if 0 <= s < e <= len(text)]
    for s, e, _, _ in ok:
        cuts.update((s, e))
    edges = sorted(cuts)
    out: list[Segment] = []
    for a, b in pairwise(edges):
        over = [(r, rej) for s, e, r, rej in ok if s <= a and b <= e]
        rules = sorted({r for r, _ in over})
        out.append(Segment(text[a:b], rules, any(rej for _, rej in over)))
    return out


def posting_fields(posting: dict[str, Any], findings: list[Finding]) -> list[ShownField]:
    """The posting's fields with every matched span of every finding highlighted."""
    spans: dict[str, list[tuple[int, int, str, bool]]] = {}
    for f in findings:
        for sp in f.evidence.spans:
            spans.setdefault(sp.field, []).append(
                (sp.start, sp.end, f.rule, f.severity.value == "reject"))
    out: list[ShownField] = []
    for name, label in FIELDS:
        text = _text(lookup(posting, name))
        if not text:
            continue
        mine = spans.get(name, [])
        out.append(ShownField(name, label, highlight(text, mine), name in LONG,
                              sum(1 for s in mine if 0 <= s[0] < s[1] <= len(text))))
    return out


def span_fields(findings: list[Finding]) -> list[ShownField]:
    """Without the stored posting (decisions logged before postings were kept): each field's
    matched pieces alone, highlighted, joined by an ellipsis."""
    labels = dict(FIELDS)
    pieces: dict[str, list[Segment]] = {}
    for f in findings:
        for sp in f.evidence.spans:
            segs = pieces.setdefault(sp.field, [])
            if segs:
                segs.append(Segment(" … "))
            segs.append(Segment(sp.text, [f.rule], f.severity.value == "reject"))
    return [ShownField(name, labels.get(name, name), segs, False,
                       sum(1 for s in segs if s.rules)) for name, segs in pieces.items()]


def basis(f: Finding) -> str | None:
    """The legal basis a finding cites, if any."""
    data = f.evidence.data
    for key in ("legal_basis", "basis"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def employer_rows(posting: dict[str, Any], record: dict[str, Any] | None
                  ) -> list[tuple[str, str, str, bool]]:
    """(label, posting value, registry value, differs) for the employer's fields."""
    rows: list[tuple[str, str, str, bool]] = []
    for label, mine, theirs in EMPLOYER:
        p = _text(lookup(posting, mine)) if mine else ""
        r = _text((record or {}).get(theirs))
        if isinstance((record or {}).get(theirs), list):
            r = "、".join(str(x) for x in (record or {})[theirs])
        differs = bool(p and r and _norm(p) != _norm(r) and theirs in _COMPARED)
        rows.append((label, p, r, differs))
    return rows


_COMPARED = {"name", "uscc", "address", "division_code"}


def _norm(s: str) -> str:
    return s.replace("（", "(").replace("）", ")").replace(" ", "").upper()


def salary_rows(findings: list[Finding]) -> list[dict[str, Any]]:
    """Per salary finding: what was parsed, the value judged, the threshold and its row."""
    out = []
    for f in findings:
        d = f.evidence.data
        if not f.rule.startswith("salary.") or "threshold" not in d:
            continue
        out.append({"rule": f.rule, "parsed": d.get("parsed"), "value": d.get("value"),
                    "threshold": d.get("threshold"), "measure": d.get("measure"),
                    "row": d.get("table_row"), "region": d.get("region"),
                    "tier_basis": d.get("tier_basis")})
    return out
