"""Registry standing: may the matched enterprise hire, and are its claims backed?

Once the registry has resolved the employer: its status (注销/吊销/撤销/清算 reject; 停业,
歇业, 迁出 and unknown statuses flag — severities in `rules/registry/checks.toml`), its age
(founded days before posting), public lists (经营异常名录 flag, 严重违法失信名单 reject) and
专精特新/小巨人 claims without a recognition valid on the posting date. Tags 专精特新, 小巨人
and SME come from the registry, never from the text. The work location against the
registered places is `content.region_mismatch` (`consistency_region.py`).
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from verifier.families.base import Check
from verifier.families.registry.common import RegistryContext, RegistryParams
from verifier.families.rules import Emits, says
from verifier.models import Finding, Posting, Span
from verifier.registry.records import EnterpriseRecord, SizeClass, Status

_TIERS = {"zjtx": "专精特新", "little_giant": "专精特新“小巨人”", "innovative": "创新型中小企业"}


class RegistryStandingCheck(Check[RegistryContext]):
    """Status, age, region, public lists and 专精特新 claims of the matched enterprise."""

    id = "registry_standing"
    version = "1"
    Params = RegistryParams
    params_file = "registry/checks.toml"
    emits: ClassVar[Emits] = {
        **{f"registry.status.{s.value}": says("name", "raw") for s in Status
           if s is not Status.active},
        "registry.too_new": says("established", "age"),
        "registry.list.abnormal": says("name", "listed_on", variants=["dated", "undated"]),
        "registry.list.serious_violation": says("name", "listed_on",
                                                variants=["dated", "undated"]),
        "registry.claim.zjtx": says("claimed", "year", "day", "tiers",
                                    variants=["before_programme", "unrecognised"]),
    }
    params: RegistryParams

    def tags(self, ctx: RegistryContext) -> list[str]:
        """专精特新 / 小巨人 for recognitions valid on the posting date; SME by size class."""
        fact = ctx.registry
        if fact is None or fact.record is None:
            return []
        day, rec, out = ctx.now.date(), fact.record, []
        tiers = {r.tier for r in rec.recognitions if _valid(r.recognised_on, r.valid_until, day)}
        if tiers & {"zjtx", "little_giant"}:
            out.append("专精特新")
        if "little_giant" in tiers:
            out.append("小巨人")
        if rec.size_class in (SizeClass.micro, SizeClass.small, SizeClass.medium):
            out.append("SME")
        return out

    def check(self, ctx: RegistryContext) -> list[Finding]:
        """Findings on the matched record; nothing when the registry found none."""
        posting = ctx.posting
        fact = ctx.registry
        if fact is None or fact.record is None:
            return []
        rec, day, p = fact.record, ctx.now.date(), self.params
        ev = fact.evidence()
        out: list[Finding] = []
        if rec.status is not Status.active:
            rule = f"registry.status.{rec.status.value}"
            out.append(self.finding(
                rule, fill={"name": rec.name, "raw": rec.status_raw or self.rules[rule].title},
                data={**ev, "status": rec.status.value, "status_raw": rec.status_raw}))
        if rec.established is not None:
            age = (day - rec.established).days
            if 0 <= age < p.too_new_days:
                out.append(self.finding(
                    "registry.too_new", fill={"established": rec.established, "age": age},
                    data={**ev, "established": rec.established.isoformat(), "age_days": age,
                          "threshold": p.too_new_days}))
        for m in rec.lists:
            rule = f"registry.list.{m.list}"
            if rule in self.emits and _valid(m.listed_on, m.removed_on, day, end_open=True):
                out.append(self.finding(
                    rule, say="dated" if m.listed_on else "undated",
                    fill={"name": rec.name, "listed_on": m.listed_on},
                    data={**ev, "list": m.list, "listed_on": _iso(m.listed_on),
                          "removed_on": _iso(m.removed_on), "reason": m.reason}))
        out.extend(self._claims(posting, rec, ctx))
        return out

    def _claims(
        self, posting: Posting, rec: EnterpriseRecord, ctx: RegistryContext
    ) -> list[Finding]:
        day = ctx.now.date()
        have = {r.tier for r in rec.recognitions if _valid(r.recognised_on, r.valid_until, day)}
        for fld in ("title", "description", "company_profile", "enterprise.name"):
            view = ctx.text.view(fld)
            for phrase, tiers in sorted(self.params.claims.items(), key=lambda kv: -len(kv[0])):
                i = self._claim_at(view.norm, phrase)
                if i < 0:
                    continue
                if have & set(tiers):
                    return []
                return [self._claim_finding(fld, view.original[i:i + len(phrase)], i, phrase,
                                            tiers, rec, day)]
        return []

    def _claim_at(self, norm: str, phrase: str) -> int:
        """First offset of the phrase not in a colloquial use (行业小巨人), else -1."""
        i = norm.find(phrase)
        while i >= 0:
            if not any(norm.endswith(w, 0, i) for w in self.params.claim_colloquial):
                return i
            i = norm.find(phrase, i + 1)
        return -1

    def _claim_finding(self, fld: str, text: str, i: int, phrase: str, tiers: list[str],
                       rec: EnterpriseRecord, day: date) -> Finding:
        starts = [self.params.programme_start[t] for t in tiers
                  if t in self.params.programme_start]
        before = bool(starts) and day < min(starts)
        return self.finding(
            "registry.claim.zjtx", say="before_programme" if before else "unrecognised",
            fill={"claimed": text, "year": min(starts).year if starts else None, "day": day,
                  "tiers": "或".join(_TIERS.get(t, t) for t in tiers)},
            spans=[Span(field=fld, start=i, end=i + len(phrase), text=text)],
            data={**self._recognitions(rec), "claimed": phrase, "accepted_tiers": tiers,
                  "on": day.isoformat(), "before_programme": before,
                  "programme_start": min(starts).isoformat() if starts else None})

    @staticmethod
    def _recognitions(rec: EnterpriseRecord) -> dict[str, object]:
        return {"uscc": rec.uscc, "name": rec.name,
                "recognitions": [r.model_dump(mode="json") for r in rec.recognitions]}


def _valid(start: date | None, end: date | None, day: date, end_open: bool = False) -> bool:
    if start is not None and start > day:
        return False
    return end is None or (end > day if end_open else end >= day)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None

