"""Registry identity: does the employer exist, and is it the company whose code it gives?

The posting's USCC is validated (GB 32100-2015; a missing code is flagged, a malformed one
rejected, a GB 11714 org-code failure only flagged; a division code absent from the 2023
table — 9% of real codes are older — is info, a flag only when the code is also absent from
the registry). The registry then resolves the employer — by code first, name second. Not
found is flagged (policy can make it a reject) and, when a registered company's name is
close, says which in the same finding; a code that belongs to a company with another name
is rejected when the name is clearly another company's, flagged when close; a name that
imitates a famous brand, or a different registered company the posting is resolved to, is
a look-alike.
"""

from __future__ import annotations

from typing import ClassVar

from rapidfuzz import fuzz

from verifier.families.base import Check
from verifier.families.registry.common import Brand, BrandFile, RegistryContext, RegistryParams
from verifier.families.rules import Emits, says
from verifier.models import Finding, Posting, Severity, Span
from verifier.pack import PackReader
from verifier.registry.fact import RegistryFact
from verifier.registry.namekeys import name_keys
from verifier.registry.records import Status
from verifier.registry.uscc import UsccTables, validate_uscc

_EXACT_NAME = ("exact", "former", "alias")


class RegistryCheck(Check[RegistryContext]):
    """USCC validity, existence in the registry, name agreement and look-alikes."""

    id = "registry"
    version = "2"
    Params = RegistryParams
    params_file = "registry/checks.toml"
    emits: ClassVar[Emits] = {
        "registry.uscc.missing": says("name", "code", variants=["missing", "resolved"]),
        "registry.uscc.invalid": says("code", "why"),
        "registry.uscc.org_code": says("code"),
        "registry.uscc.division": says("code", "issue", variants=["registered", "unregistered"]),
        "registry.not_found": says(
            "code", "name", "closest", "score", "candidate",
            variants=[f"{by}{closest}" for by in ("code", "name")
                      for closest in ("", "_same", "_similar", "_candidate")]),
        "registry.name_mismatch": says("registered", "name", "score", "threshold", "other",
                                       variants=["close", "clearly", "other"]),
        "registry.lookalike": says("trade", "brand", "entities", "name", "other", "score",
                                   variants=["brand_same", "brand_similar", "registered"]),
    }
    params: RegistryParams

    def __init__(self, params: RegistryParams, tables: UsccTables | None = None,
                 brands: list[Brand] | None = None) -> None:
        super().__init__(params)
        self.tables = tables
        self.brands = brands or []
        self._brand_norms = [{name_keys(n)[0] for n in b.names} for b in self.brands]

    @classmethod
    def build(cls, pack: PackReader) -> RegistryCheck:
        """Params, the USCC tables and the brand table, all through the pack reader."""
        params = pack.params(cls.params_file or "", RegistryParams)
        tables = UsccTables.from_pack(pack)
        brands = pack.params("registry/brands.toml", BrandFile).brand
        return cls(params, tables, list(brands))

    def check(self, ctx: RegistryContext) -> list[Finding]:
        """Code validity first; then, when a registry is configured, what it says."""
        posting = ctx.posting
        fact = ctx.registry
        out = self._code(posting, fact)
        if fact is None:
            return out
        if any(f.rule == "registry.uscc.invalid" for f in out) and fact.record is None:
            return out  # a malformed code cannot be looked up: one reject says it all
        brand = self._brand(posting, fact)
        if fact.record is None:  # one finding says what was (not) found, candidate included
            return [*out, self._not_found(posting, fact), *(brand or [])]
        if fact.by_code:
            mm = self._mismatch(posting, fact)
            if mm is not None:
                out.append(mm)
        return out + (brand if brand is not None else self._lookalike(posting, fact))

    def _code(self, posting: Posting, fact: RegistryFact | None) -> list[Finding]:
        raw = posting.enterprise.uscc
        if raw is None or not raw.strip():
            r = fact.record if fact is not None else None
            if (r is not None and fact is not None and fact.match in _EXACT_NAME
                    and r.status is Status.active):
                return [self.finding(
                    "registry.uscc.missing", say="resolved",
                    fill={"name": r.name, "code": r.uscc or r.regno},
                    severity=self.params.uscc_missing_resolved,
                    score=self.params.uscc_missing_resolved_score,
                    data={"resolved_by": fact.match,
                          "record": {"uscc": r.uscc, "name": r.name, "status": r.status.value}})]
            return [self.finding("registry.uscc.missing", say="missing")]
        chk = validate_uscc(raw, self.tables)
        span = [Span(field="enterprise.uscc", start=0, end=len(raw), text=raw)]
        data = {"code": chk.code, "kind": chk.kind,
                "issues": [{"reason": i.reason.value, "message": i.message,
                            "position": i.position, "expected": i.expected, "found": i.found}
                           for i in chk.issues],
                "standard": "GB 32100-2015"}
        if not chk.valid:
            why = "；".join(i.message for i in chk.issues if i.level == "invalid")
            return [self.finding("registry.uscc.invalid", fill={"code": raw, "why": why},
                                 spans=span, data=data)]
        if any(i.level == "flag" and i.reason.value == "org_code_check" for i in chk.issues):
            return [self.finding("registry.uscc.org_code", fill={"code": raw},
                                 spans=span, data={**data, "standard": "GB 11714"})]
        div = next((i for i in chk.issues if i.reason.value == "division_unknown"), None)
        if div is None or (fact is not None and fact.record is not None and fact.by_code):
            return []  # a registered code vouches for its old division code
        unregistered = fact is not None and fact.record is None
        return [self.finding("registry.uscc.division",
                             say="unregistered" if unregistered else "registered",
                             fill={"code": raw, "issue": div.message}, spans=span,
                             severity=Severity.flag if unregistered else Severity.info,
                             data={**data, "escalated_by": "not_found" if unregistered else None,
                                   "table": "registry/divisions.csv (NBS 2023)"})]

    def _name_span(self, posting: Posting) -> list[Span]:
        n = posting.enterprise.name
        return [Span(field="enterprise.name", start=0, end=len(n), text=n)]

    def _not_found(self, posting: Posting, fact: RegistryFact) -> Finding:
        p = self.params
        cands = fact.candidate_evidence()
        severity = p.not_found_with_candidate if cands else None
        code = fact.code_check.code if fact.code_check else None
        best = next((c for c in fact.candidates if c.kind != "ambiguous"), None)
        similar = best is not None and p.lookalike_min <= best.score
        if best is not None and similar:
            closest = "_same" if best.score >= p.name_match else "_similar"
        else:
            closest = "_candidate" if cands else ""
        lookalike = None if best is None or not similar else {
            "uscc": best.record.uscc, "name": best.record.name, "kind": best.kind,
            "score": round(best.score, 1), "min": p.lookalike_min, "threshold": p.name_match}
        return self.finding(
            "registry.not_found", say=f"{'code' if code else 'name'}{closest}",
            fill={"code": code, "name": posting.enterprise.name,
                  "closest": best.record.name if best is not None else None,
                  "score": best.score if best is not None else None,
                  "candidate": cands[0]["name"] if cands else None},
            spans=self._name_span(posting), severity=severity,
            data={"code": code, "name": posting.enterprise.name,
                  "candidates": cands, "closest": lookalike})

    def _mismatch(self, posting: Posting, fact: RegistryFact) -> Finding | None:
        p, rec = self.params, fact.record
        score = fact.score if fact.score is not None else 0.0
        if rec is None or score >= p.name_match:
            return None
        other = next((c for c in fact.candidates
                      if c.score >= p.name_match and c.record.uscc != rec.uscc), None)
        clearly = other is not None or score < p.name_clearly_other
        return self.finding(
            "registry.name_mismatch",
            say="other" if other is not None else "clearly" if clearly else "close",
            fill={"registered": rec.name, "name": posting.enterprise.name, "score": score,
                  "threshold": p.name_match,
                  "other": None if other is None else other.record.name},
            spans=self._name_span(posting),
            severity=Severity.reject if clearly else Severity.flag,
            data={**fact.evidence(), "posting_name": posting.enterprise.name,
                  "threshold": p.name_match, "clearly_other_below": p.name_clearly_other,
                  "name_detail": fact.name_detail,
                  "other": None if other is None else {"uscc": other.record.uscc,
                                                       "name": other.record.name,
                                                       "score": round(other.score, 1)}})

    def _brand(self, posting: Posting, fact: RegistryFact) -> list[Finding] | None:
        """Brand imitation ([] when the brand's own entity; None when no brand is involved)."""
        p, rec = self.params, fact.record
        norm, trade = name_keys(posting.enterprise.name)
        entity_norm = name_keys(rec.name)[0] if rec else norm
        for brand, legal in zip(self.brands, self._brand_norms, strict=True):
            hit = _brand_hit(trade, brand, p.brand_similar)
            if hit is None:
                continue
            if entity_norm in legal or (rec is not None and rec.uscc in brand.uscc):
                return []
            return [self.finding(
                "registry.lookalike", say=f"brand_{hit[0]}",
                fill={"trade": trade, "brand": brand.brand, "entities": "、".join(brand.names)},
                spans=self._name_span(posting),
                data={"trade_name": trade, "brand": brand.brand, "similarity": hit[1],
                      "threshold": p.brand_similar, "brand_entities": brand.names,
                      **fact.evidence()})]
        return None

    def _lookalike(self, posting: Posting, fact: RegistryFact) -> list[Finding]:
        p, rec = self.params, fact.record
        if rec is not None and fact.match in ("uscc", "regno", "exact", "former", "alias"):
            return []
        best = fact.candidates[0] if fact.candidates else None
        if best is None or best.kind == "ambiguous":
            return []  # a name with no distinctive 字号 imitates nothing in particular
        if not (p.lookalike_min <= best.score < p.name_match):
            return []
        return [self.finding(
            "registry.lookalike", say="registered",
            fill={"name": posting.enterprise.name, "other": best.record.name, "score": best.score},
            spans=self._name_span(posting),
            data={"imitated": {"uscc": best.record.uscc, "name": best.record.name},
                  "score": round(best.score, 1), "min": p.lookalike_min,
                  "threshold": p.name_match})]


def _brand_hit(trade: str, brand: Brand, similar: float) -> tuple[str, float] | None:
    """("same" | "similar", similarity) when the 字号 is the brand's, else None."""
    if not trade:
        return None
    for t in brand.trades:
        if trade == t:
            return "same", 100.0
        if len(t) >= 3 and len(trade) == len(t):
            score = float(fuzz.ratio(trade, t))
            if score >= similar:
                return "similar", score
    return None
