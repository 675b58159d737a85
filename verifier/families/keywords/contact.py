"""Contact: personal phone numbers, QQ, WeChat ids, URLs and e-mail in the posting body.

A posting is where the employer talks to applicants through the platform; a phone number,
QQ or WeChat id, link or e-mail address in the title or description moves the conversation
off the platform, which the 2025 five-ministry notice bans ("严禁以招聘信息为名非法引流") and
which is where most part-time scams continue. Obfuscated numbers (壹叁捌 0013 8000, ①③⑧,
l38OOl38OOO) are read too. Flagged for review, with each contact and its span; the message
names the kinds found in the words of `rules/keywords/contact.toml`'s `[kinds]`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from verifier.families.base import Check, Context
from verifier.families.keywords.contacts import ContactFinder
from verifier.families.keywords.schema import VariantsFile
from verifier.families.rules import Emits, says
from verifier.models import SEVERITY_RANK, Finding, Severity, Span
from verifier.pack import PackReader
from verifier.text.match import Folder

Word = Annotated[str, Field(min_length=1)]


class KindWords(BaseModel):
    """`[kinds]` of `rules/keywords/contact.toml`: what `contact.off_platform` calls each kind
    of contact in its `{kinds}` (joined with 、); every kind the finder reads is required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mobile: Word
    qq: Word
    wechat: Word
    url: Word
    email: Word


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
    kinds: KindWords


class ContactCheck(Check[Context]):
    """Personal contact details in the body: off-platform diversion."""

    id = "contact"
    version = "1"
    Params = ContactParams
    emits: ClassVar[Emits] = {
        "contact.off_platform": says("kinds", variants=["personal", "official"])}

    params: ContactParams

    def __init__(self, params: ContactParams, finder: ContactFinder) -> None:
        super().__init__(params)
        self.finder = finder

    @classmethod
    def build(cls, pack: PackReader) -> ContactCheck:
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
        kinds = "、".join(dict.fromkeys(getattr(self.params.kinds, i["kind"]) for i in items))
        sev = max((self.params.severity.get(i["kind"], Severity.flag) for i in items),
                  key=SEVERITY_RANK.__getitem__)
        info = sev is Severity.info
        return [self.finding(
            "contact.off_platform", say="official" if info else "personal", fill={"kinds": kinds},
            spans=spans[:20], severity=sev, score=self.params.info_score if info else None,
            data={"contacts": items[:20], "count": len(items)},
        )]
