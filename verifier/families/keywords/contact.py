"""Contact: personal phone numbers, QQ, WeChat ids, URLs and e-mail in the posting body.

A posting is where the employer talks to applicants through the platform; a phone number,
QQ or WeChat id, link or e-mail address in the title or description moves the conversation
off the platform, which the 2025 five-ministry notice bans ("严禁以招聘信息为名非法引流") and
which is where most part-time scams continue. Obfuscated numbers (壹叁捌 0013 8000, ①③⑧,
l38OOl38OOO) are read too. Flagged for review, with each contact and its span.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context, RuleSpec
from verifier.families.keywords.contacts import ContactFinder
from verifier.families.keywords.schema import VariantsFile
from verifier.models import SEVERITY_RANK, Finding, Severity, Span
from verifier.pack import PackReader
from verifier.text.match import Folder

_BASIS = (
    "人社部等五部门《关于规范网络平台招聘类信息发布的通知》（2025年）："
    "严禁以招聘信息为名非法引流"
)
_KINDS = {"mobile": "手机号", "qq": "QQ号", "wechat": "微信号", "url": "网址", "email": "电子邮箱"}


class ContactParams(BaseModel):
    """`rules/keywords/contact.toml`: fields scanned and the cue words for QQ and WeChat."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fields: Annotated[list[str], Field(min_length=1)] = ["title", "description"]
    qq_cues: list[str] = Field(default_factory=list)
    wechat_cues: list[str] = Field(default_factory=list)
    severity: dict[str, Severity] = Field(default_factory=lambda: {
        "mobile": Severity.flag, "qq": Severity.flag, "wechat": Severity.flag,
        "url": Severity.info, "email": Severity.info})
    """By kind; the finding takes the highest of the kinds found. Personal channels flag;
    a link or mailbox is usually the employer's own site or HR address: information."""
    info_score: Annotated[float, Field(ge=0, le=100)] = 20


class ContactCheck(Check[Context]):
    """Personal contact details in the body: off-platform diversion."""

    id = "contact"
    version = "1"
    Params = ContactParams
    rules: ClassVar[dict[str, RuleSpec]] = {
        "contact.off_platform": RuleSpec(
            Severity.flag, "岗位正文含个人联系方式（手机号、QQ、微信、网址、邮箱），涉嫌站外引流。"
        ),
    }

    params: ContactParams

    def __init__(self, params: ContactParams, finder: ContactFinder) -> None:
        super().__init__(params)
        self.finder = finder

    @classmethod
    def load(cls, pack: PackReader) -> ContactCheck:
        """Read `keywords/contact.toml` and the digit table of `keywords/variants.toml`."""
        params = pack.params("keywords/contact.toml", ContactParams)
        variants = pack.params("keywords/variants.toml", VariantsFile)
        folder = Folder(variants.digits or {})
        return cls(params, ContactFinder(folder, params.qq_cues, params.wechat_cues))

    def check(self, ctx: Context) -> list[Finding]:
        """One finding listing every contact found, or none."""
        spans: list[Span] = []
        items: list[dict[str, Any]] = []
        names = self.params.fields
        views = [ctx.text.view(name) for name in names]
        found = self.finder.find_fields(ctx.joined(self.finder.folder, names), views)
        for name, contacts in zip(names, found, strict=True):
            for c in contacts:
                spans.append(Span(field=name, start=c.start, end=c.end, text=c.text))
                items.append({"kind": c.kind, "value": c.value, "field": name,
                              "start": c.start, "end": c.end})
        if not items:
            return []
        kinds = "、".join(dict.fromkeys(_KINDS[i["kind"]] for i in items))
        sev = max((self.params.severity.get(i["kind"], Severity.flag) for i in items),
                  key=SEVERITY_RANK.__getitem__)
        if sev is Severity.info:
            return [self.finding(
                "contact.off_platform",
                f"岗位正文含有{kinds}，请确认为招聘单位官方渠道。",
                spans=spans[:20], severity=sev, score=self.params.info_score,
                data={"contacts": items[:20], "count": len(items), "legal_basis": _BASIS},
            )]
        return [self.finding(
            "contact.off_platform",
            f"岗位正文含有个人联系方式（{kinds}），涉嫌引导求职者脱离平台联系。",
            spans=spans[:20], severity=sev,
            data={"contacts": items[:20], "count": len(items), "legal_basis": _BASIS},
        )]
