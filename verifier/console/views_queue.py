"""The queue page (filters, counts, items) and "claim the next item"."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from verifier.console.pages import FORM, SESSION, error, page, render, review
from verifier.review.schemas import ClaimRequest, ItemFilter

routes = web.RouteTableDef()
FILTER_KEYS = ("status", "kind", "portal", "rule", "campaign", "overdue", "uscc")
STATUS_LABELS = {"pending": "待审", "claimed": "审核中", "approved": "已通过",
                 "rejected": "已驳回", "superseded": "已被新版本取代"}
DONE = {"approved": "已通过，平台将收到结果。", "rejected": "已驳回，平台将收到结果。",
        "released": "已放回队列。", "empty": "队列里没有符合条件的待审条目。"}


def filters_of(data: Any, *, default_status: str | None = None) -> dict[str, Any]:
    """The non-empty filter fields of a query or form (`overdue` as a boolean)."""
    out: dict[str, Any] = {k: str(data[k]).strip() for k in FILTER_KEYS
                           if str(data.get(k, "")).strip()}
    if "overdue" in out:
        out["overdue"] = out["overdue"] in ("1", "true", "on")
    if default_status and "status" not in data:
        out["status"] = default_status
    return out


def _problem(exc: ValidationError) -> str:
    names = {"status": "状态", "kind": "类型", "portal": "平台", "rule": "规则",
             "campaign": "专项活动", "overdue": "超时", "uscc": "统一社会信用代码"}
    bad = [names.get(str(e["loc"][0]), str(e["loc"][0])) for e in exc.errors() if e["loc"]]
    return "筛选条件不正确：" + "、".join(dict.fromkeys(bad))


@routes.get("/console/queue")
@page
async def queue(request: web.Request) -> web.StreamResponse:
    """Items matching the filters, counts by status, and a claim button."""
    chosen = filters_of(request.query, default_status="pending")
    try:
        flt = ItemFilter.model_validate(chosen)
    except ValidationError as exc:
        return error(request, 422, _problem(exc))
    cursor = request.query.get("cursor") or None
    found = await review(request).items(flt, cursor=cursor, limit=50)
    return render(request, "queue.html", {
        "page": found, "chosen": chosen, "statuses": STATUS_LABELS,
        "done": DONE.get(request.query.get("done", "")),
        "me": request[SESSION].name})


@routes.post("/console/claim")
@page
async def claim_next(request: web.Request) -> web.StreamResponse:
    """Lease the next item by priority (within the filters) and open it."""
    chosen = filters_of(request[FORM])
    chosen.pop("status", None)
    try:
        req = ClaimRequest.model_validate(chosen)
    except ValidationError as exc:
        return error(request, 422, _problem(exc))
    got = await review(request).claim_next(request[SESSION].name, req)
    if got is None:
        raise web.HTTPSeeOther("/console/queue?done=empty")
    raise web.HTTPSeeOther(f"/console/items/{got.item.id}")
