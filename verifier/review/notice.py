"""The rectification notice: for a refused posting, in Chinese, for the employer — each
acting rule's message, what to change and its legal basis (from the finding's evidence, else
from rules/review/rectify.toml), rendered from rules/review/notice.md.j2."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from verifier.models import Decision, Finding, Outcome, Severity
from verifier.review.config import ReviewConfig
from verifier.review.items import acting


class NoticeItem(BaseModel):
    """One reason the posting was refused."""

    rule: str
    message: str
    change: str
    legal_basis: str


class Notice(BaseModel):
    """`GET /v1/postings/{posting_id}/notice`."""

    posting_id: str
    decision_id: str
    version: int
    reviewed: bool
    """Refused by a reviewer (true) or by the rules (false)."""
    reason: str | None
    reason_label: str | None
    items: list[NoticeItem]
    text: str
    """The notice itself (Markdown), ready to send to the employer."""


def refused_by(decision: Decision) -> list[Finding]:
    """The findings that refused a posting: the reject findings of a rules rejection, or
    those that sent a flagged posting to the reviewer who then rejected it."""
    live = [f for f in decision.findings if not f.shadow]
    if decision.outcome is Outcome.reject:
        rejects = [f for f in live if f.severity is Severity.reject]
        return rejects or acting(decision.findings)
    return acting(decision.findings)


def _basis(f: Finding) -> str | None:
    data = f.evidence.data
    for key in ("legal_basis", "basis"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


def notice_items(cfg: ReviewConfig, findings: list[Finding]) -> list[NoticeItem]:
    """One item per acting finding, with advice and legal basis (the pack's `[default]`
    for a rule no `[[advice]]` covers)."""
    out: list[NoticeItem] = []
    for f in findings:
        advice = cfg.advice_for(f.rule) or cfg.fallback
        out.append(NoticeItem(rule=f.rule, message=f.message, change=advice.change,
                              legal_basis=_basis(f) or advice.legal_basis))
    return out


def render_notice(cfg: ReviewConfig, decision: Decision, posting: dict[str, Any] | None,
                  now: datetime) -> Notice | None:
    """The notice for a decision whose final outcome is reject; None otherwise."""
    if decision.final_outcome is not Outcome.reject:
        return None
    review = decision.review
    reviewed = review is not None and review.outcome is Outcome.reject
    items = notice_items(cfg, refused_by(decision))
    enterprise = (posting or {}).get("enterprise") or {}
    name = enterprise.get("name") or (decision.enterprise.name if decision.enterprise else "")
    uscc = enterprise.get("uscc") or (decision.enterprise.uscc if decision.enterprise else "")
    submitted = (posting or {}).get("submitted_at") or decision.decided_at.isoformat()
    text = cfg.notice.render(
        enterprise_name=name or "贵单位", enterprise_uscc=uscc or "",
        submitted_on=str(submitted)[:10], portal=decision.portal,
        title=(posting or {}).get("title", ""), posting_id=decision.posting_id,
        version=decision.version, reviewed=reviewed, items=items,
        reason_label=review.reason_label if reviewed and review else "",
        note=review.note if reviewed and review and review.note else "",
        decision_id=decision.decision_id, issued_on=now.date().isoformat())
    return Notice(posting_id=decision.posting_id, decision_id=decision.decision_id,
                  version=decision.version, reviewed=reviewed,
                  reason=review.reason if reviewed and review else None,
                  reason_label=review.reason_label if reviewed and review else None,
                  items=items, text=text)
