"""What the review queue takes and gives: filters, actions, items, pages and its errors.

The API and the console both speak these; field names of the `/v1/review/*` bodies are the
contract (docs/review.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from verifier.models import Decision, ReviewStatus


def storable(value: str) -> str:
    """`value` unless it holds NUL, which PostgreSQL text cannot store."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain the NUL character")
    return value


NoNul = AfterValidator(storable)
RulePattern = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$", max_length=128,
                                   description="a rule id or a prefix of one (e.g. `keywords`)")]
PortalName = Annotated[str, Field(min_length=1, max_length=64), NoNul]
Uscc = Annotated[str, Field(pattern=r"^[0-9A-Z]{18}$")]
ItemId = Annotated[str, Field(min_length=1, max_length=36), NoNul]
ReasonCode = Annotated[str, Field(min_length=1, max_length=64), NoNul]
NoteText = Annotated[str, Field(max_length=4000), NoNul]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QueueFilter(_In):
    """Which items: every given field must match (rule: a rule id or a prefix of one)."""

    kind: Literal["flag", "sample"] | None = None
    portal: PortalName | None = None
    rule: RulePattern | None = None
    campaign: Annotated[str, Field(min_length=1, max_length=64), NoNul] | None = None
    overdue: bool | None = None
    uscc: Uscc | None = None


class ItemFilter(QueueFilter):
    """Filters of `GET /v1/review/items`: the queue's, and the item's status."""

    status: ReviewStatus | None = None


class ClaimRequest(QueueFilter):
    """`POST /v1/review/claim`: optional filters, optional lease length."""

    lease_minutes: Annotated[float, Field(ge=1, le=24 * 60)] | None = None


class LeaseRequest(_In):
    """Body of claim / renew of one item (optional)."""

    lease_minutes: Annotated[float, Field(ge=1, le=24 * 60)] | None = None


class ResolveRequest(_In):
    """`POST /v1/review/items/{id}/resolve`."""

    outcome: Literal["approve", "reject"]
    reason: ReasonCode
    note: NoteText = ""


class BulkResolveRequest(ResolveRequest):
    """`POST /v1/review/resolve`: the same outcome and reason for many items."""

    ids: Annotated[list[ItemId], Field(min_length=1, max_length=500)]


class NoteRequest(_In):
    """`POST /v1/review/items/{id}/notes`."""

    text: Annotated[str, Field(min_length=1, max_length=4000), NoNul]


class Lease(BaseModel):
    """Who holds an item and until when."""

    holder: str
    claimed_at: datetime | None
    expires_at: datetime
    seconds_left: float


class ReviewItem(BaseModel):
    """One item of the queue."""

    id: str
    decision_id: str
    kind: Literal["flag", "sample"]
    status: ReviewStatus
    portal: str
    posting_id: str
    version: int
    priority: float
    risk_score: float
    rules: list[str]
    campaign: str | None
    enterprise_uscc: str | None
    created_at: datetime
    due_at: datetime | None
    overdue: bool
    lease: Lease | None
    outcome: Literal["approve", "reject"] | None
    reason: str | None
    reason_label: str | None
    note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    superseded_by: str | None
    resolution_id: str | None


class ReviewEvent(BaseModel):
    """One appended action on an item."""

    id: int
    item_id: str
    kind: str
    actor: str
    at: datetime
    data: dict[str, Any]


class FieldChange(BaseModel):
    """One field that differs from the earlier version; `ops` spell the character diff of
    text fields: [op, old text, new text] with op equal | delete | insert | replace."""

    field: str
    old: Any
    new: Any
    ops: list[tuple[str, str, str]] = Field(default_factory=list)


class EarlierVersion(BaseModel):
    """An earlier version of the same posting and what reviewers noted on it."""

    decision_id: str
    version: int
    outcome: str
    decided_at: datetime
    item_status: ReviewStatus | None
    notes: list[ReviewEvent]


class ItemDetail(BaseModel):
    """Everything a reviewer needs for one item."""

    item: ReviewItem
    decision: Decision
    posting: dict[str, Any] | None
    events: list[ReviewEvent]
    notes: list[ReviewEvent]
    diff: list[FieldChange] | None
    """Field-level changes against the previous version (null: first version, or the
    earlier posting was not stored)."""
    earlier: list[EarlierVersion]


class Counts(BaseModel):
    """How many items match the filter (status aside), by status, and how many are overdue."""

    total: int
    pending: int
    claimed: int
    approved: int
    rejected: int
    superseded: int
    overdue: int


class ItemPage(BaseModel):
    """`GET /v1/review/items`."""

    items: list[ReviewItem]
    next_cursor: str | None
    counts: Counts


class ClaimResult(BaseModel):
    """`POST /v1/review/claim` and claim/renew of one item."""

    item: ReviewItem
    lease: Lease


class BulkOutcome(BaseModel):
    """What happened to one id of a bulk resolve."""

    id: str
    resolved: bool
    detail: str | None = None
    resolution_id: str | None = None


class BulkResult(BaseModel):
    """`POST /v1/review/resolve`."""

    resolved: int
    skipped: int
    results: list[BulkOutcome]


class ReviewError(Exception):
    """A queue action refused: 404 (no such item), 409 (state or lease conflict) or 422
    (a bad field, named)."""

    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field
