"""Keywords: fraud and discrimination language, evasion-proof and negation-aware.

Phrases of twelve categories (fees and deposits, task brushing, typing/handwork, training
loans, high-pay lures, pyramid schemes, overseas trafficking, false guarantees, ID and bank
card harvesting, off-platform contact, vice, discrimination) are matched over the title and
description after normalization: full-width and traditional forms, inserted spaces and
symbols (先交 押 金, 刷*单), variant spellings (薇信, ＶＸ), Chinese and circled digits and
pinyin. A phrase cancelled by a negation (无需押金, 打击刷单), outside its required context or
inside an allowed sense (投标保证金 in an accounting job) does not count. One finding per
rule, with every matched span, the phrase, the context that raised it and the legal basis.
School-tier limits are rejected on the campus channel and flagged elsewhere.
"""

from __future__ import annotations

from typing import Any, ClassVar

from verifier.families.base import Check, Context, RuleSpec
from verifier.families.keywords.loader import load_scanner
from verifier.families.keywords.scan import Match, Scanner
from verifier.families.keywords.schema import KeywordParams, RuleText
from verifier.models import SEVERITY_RANK, Finding, Severity, Span
from verifier.pack import PackReader

_R, _F = Severity.reject, Severity.flag
_RULES: dict[str, tuple[Severity, str]] = {
    "keywords.fee_upfront": (_R, "向求职者收取押金、保证金或各类费用。"),
    "keywords.fee_upfront.health_check": (_F, "求职者自付给医院的体检费用（提示）。"),
    "keywords.task_brushing": (_R, "刷单、返利、垫付类任务。"),
    "keywords.typing_handwork": (_R, "打字员、手工活等先收费的兼职。"),
    "keywords.training_loan": (_R, "招转培、培训贷、先学后付。"),
    "keywords.high_pay_lure": (_R, "日入过千、躺赚等高薪诱导用语。"),
    "keywords.high_pay_lure.promise": (_F, "月入过万等收入承诺（单独为提示，组合计分）。"),
    "keywords.high_pay_lure.no_threshold": (_F, "无需经验、不限学历等零门槛信号（组合计分）。"),
    "keywords.high_pay_lure.easy": (_F, "时间自由、上不封顶等轻松类信号（组合计分）。"),
    "keywords.high_pay_lure.day_paid": (_F, "日结类信号（组合计分）。"),
    "keywords.mlm_pyramid": (_R, "拉人头、发展下线等传销特征。"),
    "keywords.overseas_trafficking": (_R, "境外高薪、园区、博彩等境外诱骗特征。"),
    "keywords.impersonation_guarantee": (_R, "保录、内推、花钱进编等虚假承诺。"),
    "keywords.pii_money_mule": (_R, "索要身份证件、出租出借银行卡、跑分。"),
    "keywords.off_platform_contact": (_R, "引导求职者加微信、QQ、Telegram 等站外联系。"),
    "keywords.off_platform_contact.weak": (_F, "“详情咨询”等站外联系弱信号。"),
    "keywords.vice_illegal": (_R, "夜场、陪酒等违法或涉黄岗位。"),
    "keywords.discrimination.sex": (_R, "限定性别或性别优先。"),
    "keywords.discrimination.marriage": (_R, "婚育状况条件。"),
    "keywords.discrimination.ethnicity": (_R, "民族限制。"),
    "keywords.discrimination.religion": (_F, "宗教信仰条件。"),
    "keywords.discrimination.disability": (_R, "排斥残疾人。"),
    "keywords.discrimination.hbv": (_R, "乙肝等病原携带者限制或检测。"),
    "keywords.discrimination.rural": (_R, "排斥农村户籍劳动者。"),
    "keywords.discrimination.hukou": (_F, "户籍、本地人限制。"),
    "keywords.discrimination.region": (_F, "地域限制。"),
    "keywords.discrimination.school": (
        _R, "985/211/双一流等院校层次限制（校园招聘拒绝，其他渠道转人工）。"
    ),
    "keywords.discrimination.age": (_F, "年龄上限。"),
    "keywords.discrimination.appearance": (_F, "身高、外貌条件。"),
    "keywords.discrimination.other": (_F, "“××勿扰”等排斥性用语。"),
}


class KeywordsCheck(Check[Context]):
    """Fraud and discrimination phrases in the title and description."""

    id = "keywords"
    version = "1"
    Params = KeywordParams
    rules: ClassVar[dict[str, RuleSpec]] = {
        rid: RuleSpec(sev, text) for rid, (sev, text) in _RULES.items()
    }

    params: KeywordParams

    def __init__(self, params: KeywordParams, scanner: Scanner, texts: dict[str, RuleText]):
        super().__init__(params)
        self.scanner = scanner
        self.texts = texts

    @classmethod
    def load(cls, pack: PackReader) -> KeywordsCheck:
        """Read `rules/keywords/*.toml` and build the automaton (once per pack load)."""
        params, scanner, texts = load_scanner(pack, set(cls.rules))
        return cls(params, scanner, texts)

    def check(self, ctx: Context) -> list[Finding]:
        """One finding per rule with matches, at the highest severity among them."""
        posting = ctx.posting
        channel = (posting.channel or "").strip().lower() or None
        views = [(name, ctx.text.view(name)) for name in self.params.fields]
        title = ctx.text.view("title").norm
        by_rule: dict[str, list[Match]] = {}
        joined = ctx.joined(self.scanner.folder, self.params.fields)
        for m in self.scanner.scan(views, channel, title, joined):
            by_rule.setdefault(m.entry.rule, []).append(m)
        return [self._finding(rule, ms) for rule, ms in sorted(by_rule.items())]

    def _finding(self, rule: str, matches: list[Match]) -> Finding:
        text = self.texts[rule]
        severity = max((m.severity for m in matches), key=SEVERITY_RANK.__getitem__)
        phrases = list(dict.fromkeys(m.entry.phrase for m in matches))
        shown = matches[: self.params.max_spans]
        data: dict[str, Any] = {
            "category": rule.split(".")[1],
            "title": text.title,
            "legal_basis": text.basis,
            "phrases": phrases,
            "count": len(matches),
            "matches": [_describe(m) for m in shown],
        }
        quoted = "、".join(f"“{p}”" for p in phrases[:5])
        return self.finding(
            rule,
            f"{text.title}：出现{quoted}" + ("等" if len(phrases) > 5 else "") + "。",
            spans=[Span(field=m.field, start=m.start, end=m.end, text=m.text) for m in shown],
            data=data,
            severity=severity,
        )


def _describe(m: Match) -> dict[str, Any]:
    spec = m.entry.spec
    out: dict[str, Any] = {
        "phrase": m.entry.phrase, "matched": m.text, "field": m.field,
        "start": m.start, "end": m.end, "severity": m.severity.value, "via": m.entry.via,
    }
    if m.entry.via != "phrase":
        out["form"] = m.entry.form
    if m.context:
        out["context"] = m.context
    if spec.basis:
        out["legal_basis"] = spec.basis
    if spec.note:
        out["note"] = spec.note
    return out
