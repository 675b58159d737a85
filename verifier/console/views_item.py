"""The item page and its actions: claim, renew, release, approve, reject, note."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from verifier.console import render as show
from verifier.console.pages import FORM, SESSION, error, page, render, resources, review
from verifier.models import Outcome
from verifier.review.schemas import ItemFilter, ResolveRequest, ReviewError
from verifier.store.registry_repo import RegistryRepo

routes = web.RouteTableDef()
ITEM = "/console/items/{id}"


def _id(request: web.Request) -> str:
    value = request.match_info["id"]
    if not 1 <= len(value) <= 36:
        raise web.HTTPNotFound()
    return value


async def _record(request: web.Request, uscc: str | None) -> dict[str, Any] | None:
    if not uscc:
        return None
    rec = await RegistryRepo(resources(request).engine).get(uscc)
    return rec.model_dump(mode="json") if rec is not None else None


async def _neighbours(request: web.Request, item_id: str) -> tuple[str | None, str | None]:
    """The previous and next pending items in claim order (for j / k)."""
    found = await review(request).items(ItemFilter(status="pending"), limit=200)
    ids = [i.id for i in found.items]
    if item_id not in ids:
        return None, ids[0] if ids else None
    at = ids.index(item_id)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)


@routes.get(ITEM)
@page
async def item(request: web.Request) -> web.StreamResponse:
    """Everything about one item, and the actions its state allows."""
    try:
        detail = await review(request).item(_id(request))
    except ReviewError as exc:
        return error(request, exc.status, exc.detail)
    posting = detail.posting or {}
    findings = [f for f in detail.decision.findings if not f.shadow]
    uscc = (detail.decision.enterprise.uscc if detail.decision.enterprise else None) or \
        show.lookup(posting, "enterprise.uscc")
    record = await _record(request, uscc)
    lease = detail.item.lease
    mine = lease is not None and lease.holder == request[SESSION].name and \
        detail.item.status == "claimed"
    reasons = list(review(request).pack.reasons.values())
    prev_id, next_id = await _neighbours(request, detail.item.id)
    return render(request, "item.html", {
        "d": detail, "findings": findings, "stored": detail.posting is not None,
        "fields": show.posting_fields(posting, findings) if detail.posting is not None
        else show.span_fields(findings),
        "basis": show.basis, "employer": show.employer_rows(posting, record), "record": record,
        "salary": show.salary_rows(findings), "mine": mine, "lease": lease,
        "approve_reasons": [r for r in reasons if r.allows(Outcome.approve)],
        "reject_reasons": [r for r in reasons if r.allows(Outcome.reject)],
        "prev_id": prev_id, "next_id": next_id,
        "done": {"noted": "备注已保存。", "renewed": "已续期。"}.get(
            request.query.get("done", ""))})


async def _act(request: web.Request, action: str) -> web.StreamResponse:
    svc, who, iid = review(request), request[SESSION].name, _id(request)
    form = request[FORM]
    try:
        if action == "claim":
            await svc.claim(who, iid)
        elif action == "renew":
            await svc.renew(who, iid)
            raise web.HTTPSeeOther(f"/console/items/{iid}?done=renewed")
        elif action == "release":
            await svc.release(who, iid)
            raise web.HTTPSeeOther("/console/queue?done=released")
        elif action == "note":
            await svc.add_note(who, iid, str(form.get("text", "")))
            raise web.HTTPSeeOther(f"/console/items/{iid}?done=noted")
        else:
            req = ResolveRequest(outcome=form.get("outcome"), reason=form.get("reason"),
                                 note=str(form.get("note", "")))
            done = await svc.resolve(who, iid, req)
            raise web.HTTPSeeOther(f"/console/queue?done={done.status}")
    except ReviewError as exc:
        return error(request, exc.status, exc.detail)
    except ValidationError as exc:
        bad = "、".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        return error(request, 422, f"表单字段不正确：{bad}")
    raise web.HTTPSeeOther(f"/console/items/{iid}")


@routes.post(ITEM + "/claim")
@page
async def claim(request: web.Request) -> web.StreamResponse:
    """Lease this item."""
    return await _act(request, "claim")


@routes.post(ITEM + "/renew")
@page
async def renew(request: web.Request) -> web.StreamResponse:
    """Extend my lease."""
    return await _act(request, "renew")


@routes.post(ITEM + "/release")
@page
async def release(request: web.Request) -> web.StreamResponse:
    """Give the item back."""
    return await _act(request, "release")


@routes.post(ITEM + "/resolve")
@page
async def resolve(request: web.Request) -> web.StreamResponse:
    """Approve or reject with a reason."""
    return await _act(request, "resolve")


@routes.post(ITEM + "/notes")
@page
async def note(request: web.Request) -> web.StreamResponse:
    """Add a note."""
    return await _act(request, "note")
