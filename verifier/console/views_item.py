"""The item page and its actions: claim, renew, release, approve, reject, note."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from pydantic import ValidationError

from verifier.console import render as show
from verifier.console.pages import FORM, SESSION, error, page, render, resources, review
from verifier.models import Outcome
from verifier.review.schemas import ItemFilter, ResolveRequest, ReviewError, ReviewItem
from verifier.review.service import ReviewService
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


R = TypeVar("R")
Action = Callable[[ReviewService, str, str, dict[str, Any]], Awaitable[R]]
"""A queue action: (service, reviewer name, item id, the posted form) -> its result."""


async def _act(request: web.Request, act: Action[R], then: Callable[[str, R], str]
               ) -> web.StreamResponse:
    """The shape of every item action: the signed-in reviewer acts on the path's item with
    the posted form, then goes to `then(item id, result)`; a refusal or a bad form field is
    an error page saying why."""
    iid = _id(request)
    try:
        done = await act(review(request), request[SESSION].name, iid, request[FORM])
    except ReviewError as exc:
        return error(request, exc.status, exc.detail)
    except ValidationError as exc:
        bad = "、".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        return error(request, 422, f"表单字段不正确：{bad}")
    raise web.HTTPSeeOther(then(iid, done))


def _item(iid: str, _: object) -> str:
    return f"/console/items/{iid}"


def _resolve(svc: ReviewService, who: str, iid: str, form: dict[str, Any]
             ) -> Awaitable[ReviewItem]:
    req = ResolveRequest(outcome=form.get("outcome"), reason=form.get("reason"),
                         note=str(form.get("note", "")))
    return svc.resolve(who, iid, req)


@routes.post(ITEM + "/claim")
@page
async def claim(request: web.Request) -> web.StreamResponse:
    """Lease this item."""
    return await _act(request, lambda svc, who, iid, _: svc.claim(who, iid), _item)


@routes.post(ITEM + "/renew")
@page
async def renew(request: web.Request) -> web.StreamResponse:
    """Extend my lease."""
    return await _act(request, lambda svc, who, iid, _: svc.renew(who, iid),
                      lambda iid, _: f"/console/items/{iid}?done=renewed")


@routes.post(ITEM + "/release")
@page
async def release(request: web.Request) -> web.StreamResponse:
    """Give the item back."""
    return await _act(request, lambda svc, who, iid, _: svc.release(who, iid),
                      lambda _iid, _: "/console/queue?done=released")


@routes.post(ITEM + "/resolve")
@page
async def resolve(request: web.Request) -> web.StreamResponse:
    """Approve or reject with a reason."""
    return await _act(request, _resolve,
                      lambda _iid, done: f"/console/queue?done={done.status}")


@routes.post(ITEM + "/notes")
@page
async def note(request: web.Request) -> web.StreamResponse:
    """Add a note."""
    return await _act(request,
                      lambda svc, who, iid, form: svc.add_note(who, iid, str(form.get("text", ""))),
                      lambda iid, _: f"/console/items/{iid}?done=noted")
