"""Domain types shared by the whole package: Posting in, Finding and Decision out.

The field names of `Posting` and `Decision` are the v1 API contract (docs/DESIGN.md):
fields may be added, never renamed.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    computed_field,
)
from pydantic_core import PydanticCustomError

Json = Any
"""A JSON-compatible value (evidence payloads)."""


class Severity(StrEnum):
    """How much a finding weighs: info never decides, flag sends to review, reject refuses."""

    info = "info"
    flag = "flag"
    reject = "reject"


SEVERITY_RANK = {Severity.info: 0, Severity.flag: 1, Severity.reject: 2}


class Outcome(StrEnum):
    """The verdict on a posting."""

    approve = "approve"
    flag = "flag"
    reject = "reject"


class EmploymentType(StrEnum):
    """Kind of employment the posting offers."""

    full_time = "full_time"
    part_time = "part_time"
    internship = "internship"


class SalaryUnit(StrEnum):
    """Period a salary figure refers to."""

    hour = "hour"
    day = "day"
    month = "month"
    year = "year"


class Role(StrEnum):
    """What an API key may do."""

    portal = "portal"
    reviewer = "reviewer"
    auditor = "auditor"
    admin = "admin"


def storable(value: str) -> str:
    """`value` unless it holds a character the database cannot store (NUL: PostgreSQL text
    refuses it); JSON cannot carry the other one, a lone surrogate."""
    if "\x00" in value:
        raise PydanticCustomError(
            "nul_character", "must not contain the NUL character (\\u0000): it cannot be stored")
    return value


Storable = AfterValidator(storable)
Short = Annotated[str, StringConstraints(max_length=200), Storable]
Name = Annotated[str, StringConstraints(min_length=1, max_length=300), Storable]
Code = Annotated[str, StringConstraints(max_length=40), Storable]
Tag = Annotated[str, StringConstraints(max_length=64), Storable]
Text500 = Annotated[str, StringConstraints(max_length=500), Storable]
PostingId = Annotated[str, StringConstraints(min_length=1, max_length=128), Storable]
Title = Annotated[str, StringConstraints(min_length=1, max_length=200), Storable]
Description = Annotated[str, StringConstraints(max_length=100_000), Storable]
Profile = Annotated[str, StringConstraints(max_length=20_000), Storable]
Url = Annotated[str, StringConstraints(max_length=2000), Storable]


def _integral(value: object) -> object:
    """A JSON number with no fractional part (`5.0`) is an integer, as JSON Schema says."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integral = BeforeValidator(_integral)
"""Marks an integer field of a request as strict, but with `5.0` counting as 5 (JSON Schema
`integer`). It goes after the field's bounds (`Annotated[int, Field(ge=1), Integral]`): before
them pydantic cannot put the bounds into the integer schema and the document would show
`ge`/`le` instead of `minimum`/`maximum`."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class EnterpriseRef(_Strict):
    """The employer as the posting names it."""

    name: Name
    uscc: Code | None = None


class Location(_Strict):
    """Where the work is done."""

    province: Short
    city: Short | None = None
    district: Short | None = None
    division_code: Code | None = None
    address: Text500 | None = None


class SalaryIn(_Strict):
    """Pay as the portal shows it: raw text and/or structured figures."""

    text: Short | None = None
    min: Annotated[float, Field(ge=-1e12, le=1e12)] | None = None
    max: Annotated[float, Field(ge=-1e12, le=1e12)] | None = None
    unit: SalaryUnit | None = None
    months_per_year: Annotated[int, Field(ge=1, le=24), Integral] | None = None


class Posting(_Strict):
    """A job posting submitted for verification (v1 contract)."""

    posting_id: PostingId
    title: Title
    description: Description = ""
    enterprise: EnterpriseRef
    location: Location | None = None
    salary: SalaryIn | None = None
    employment_type: EmploymentType = EmploymentType.full_time
    education: Short | None = None
    experience: Short | None = None
    headcount: Annotated[int, Field(ge=-1_000_000_000, le=1_000_000_000), Integral] | None = None
    channel: Tag | None = None
    campaign: Tag | None = None
    company_profile: Profile | None = None
    contact: Text500 | None = None
    source_url: Url | None = None
    submitted_at: AwareDatetime | None = None


class PostingBatch(_Strict):
    """A batch of postings for `/v1/postings/verify-batch`."""

    postings: Annotated[list[Posting], Field(min_length=1, max_length=500)]


class Span(BaseModel):
    """A matched piece of text, with offsets into the original (unnormalized) field value."""

    model_config = ConfigDict(frozen=True)

    field: str
    start: int
    end: int
    text: str


EVIDENCE_KEYS = (
    "One key name per kind of thing, in every rule family (docs/evidence.md): "
    "`legal_basis` the law, regulation or platform rule the finding rests on; "
    "`threshold` the configured limit the compared value was held against "
    "(`thresholds` when several apply); `value` the posting's compared figure; "
    "`record` the registry record compared; `table` the rules/ file a table row came from; "
    "`parsed` / `stated` the salary as read. Other keys are specific to the rule."
)


class Evidence(BaseModel):
    """Why a finding fired: spans in the posting plus structured facts compared."""

    model_config = ConfigDict(frozen=True)

    spans: list[Span] = Field(
        default_factory=list, description="Matched text, offsets into the original field.")
    data: dict[str, Json] = Field(default_factory=dict, description=EVIDENCE_KEYS)


class Finding(BaseModel):
    """One rule's verdict on one posting."""

    model_config = ConfigDict(frozen=True)

    rule: str
    severity: Severity
    score: float = 0.0
    message: str
    evidence: Evidence = Field(default_factory=Evidence)
    shadow: bool = False


class EnterpriseSummary(BaseModel):
    """The registry record the posting was matched to, in brief."""

    model_config = ConfigDict(frozen=True)

    uscc: str
    name: str
    status: str | None = None
    match: str | None = None
    score: float | None = None


ReviewStatus = Literal["pending", "claimed", "approved", "rejected", "superseded"]
"""Where a review item stands: open (pending, claimed) or closed (the rest)."""


class ReviewState(BaseModel):
    """Status of the human review of a flagged (or spot-checked) decision."""

    model_config = ConfigDict(frozen=True)

    status: ReviewStatus
    updated_at: datetime | None = None
    kind: Literal["flag", "sample"] = "flag"
    outcome: Outcome | None = None
    """The reviewer's outcome (approve or reject) once resolved."""
    reason: str | None = None
    reason_label: str | None = None
    reviewer: str | None = None
    note: str | None = None
    created_at: datetime | None = None
    due_at: datetime | None = None
    claimed_at: datetime | None = None
    resolved_at: datetime | None = None
    superseded_by: str | None = None
    resolution_id: str | None = None
    """The decision-log entry that records the resolution."""


class Resolution(BaseModel):
    """A reviewer's settlement of a review item, logged as its own entry in the decision
    chain (the entry's outcome is the final one; `resolves` names the decision reviewed)."""

    model_config = ConfigDict(frozen=True)

    resolves: str
    item_kind: Literal["flag", "sample"] = "flag"
    reviewer: str
    reason: str
    reason_label: str
    note: str = ""
    bulk: bool = False


class Decision(BaseModel):
    """The service's answer for one posting (v1 contract)."""

    model_config = ConfigDict(frozen=True)

    decision_id: str
    posting_id: str
    portal: str
    version: int = 1
    outcome: Outcome
    risk_score: float
    findings: list[Finding]
    tags: list[str]
    enterprise: EnterpriseSummary | None = None
    rules_version: str
    content_hash: str
    decided_at: datetime
    timings_ms: dict[str, float] = Field(default_factory=dict)
    review: ReviewState | None = None
    request_id: str | None = None
    """The `X-Request-Id` of the request that made this decision (logs carry the same id)."""
    supersedes: str | None = None
    """The decision of the posting's previous version, which this one replaces (a portal
    resubmitted the posting with new content); null for a first version."""
    resolution: Resolution | None = None
    """Set only on a decision-log entry that records a reviewer's resolution."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def final_outcome(self) -> Outcome | None:
        """The outcome that stands: the reviewer's once a review resolved it, else the
        machine's approve or reject; null while a flagged posting awaits a person."""
        if self.review is not None and self.review.outcome is not None:
            return self.review.outcome
        return None if self.outcome is Outcome.flag else self.outcome


class BatchResult(BaseModel):
    """Response of `/v1/postings/verify-batch`: one decision per posting, in order."""

    decisions: list[Decision]


class RuleInfo(BaseModel):
    """One rule of the loaded catalog, as `GET /v1/rules` shows it."""

    id: str
    check: str
    version: str
    severity: Severity
    shadow: bool
    description: str


class RulesCatalog(BaseModel):
    """Response of `GET /v1/rules`."""

    rules_version: str
    loaded_at: datetime
    rules: list[RuleInfo]


class FieldError(BaseModel):
    """One problem with one field of a request."""

    field: str
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details, as every error response carries."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] = Field(default_factory=list)
