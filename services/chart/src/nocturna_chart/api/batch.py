"""HTTP routes of batch jobs: read the body as JSON or CSV records, queue the job, report its progress."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Request, Response
from nocturna_platform.http.openapi import problem_responses
from nocturna_platform.http.problems import FieldError, Problem
from nocturna_platform.http.state import from_app_state
from nocturna_platform.security.dependencies import CurrentPrincipal
from pydantic import BaseModel

from nocturna_chart.api.batch_records import (
    CSV_COLUMNS,
    InvalidRecords,
    MalformedBody,
    TooManyRecords,
    csv_records,
    json_records,
)
from nocturna_chart.api.charts import quota_exceeded_problem
from nocturna_chart.application.read_batch import BatchNotFound, BatchReport
from nocturna_chart.application.submit_batch import SubmitBatch
from nocturna_chart.application.use_cases import ChartUseCases
from nocturna_chart.domain.batch import (
    MAX_ITEMS,
    BatchItem,
    BatchJob,
    BatchNotInPlan,
    EmptyBatch,
    ItemOutcome,
)
from nocturna_chart.domain.charts import QuotaExceeded

router = APIRouter(tags=["batch"])

UseCases = Annotated[ChartUseCases, Depends(from_app_state("use_cases"))]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)]

_CHART_REQUEST = {"$ref": "#/components/schemas/CreateChartRequest"}
_BODY_DOCS: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "array", "items": _CHART_REQUEST, "maxItems": MAX_ITEMS},
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": _CHART_REQUEST}},
                            "required": ["items"],
                        },
                    ]
                }
            },
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": f"Header row, then one record per row; columns {', '.join(CSV_COLUMNS)}.",
                }
            },
        },
    }
}


class ItemProblemView(BaseModel):
    code: str
    title: str
    detail: str
    field: str | None


class BatchItemView(BaseModel):
    index: int
    status: Literal["succeeded", "failed"]
    chart_id: UUID | None
    problem: ItemProblemView | None

    @classmethod
    def of(cls, outcome: ItemOutcome) -> BatchItemView:
        problem = outcome.problem
        return cls(
            index=outcome.index,
            status="succeeded" if outcome.succeeded else "failed",
            chart_id=outcome.chart_id,
            problem=None if problem is None else ItemProblemView(**problem.__dict__),
        )


class BatchView(BaseModel):
    id: UUID
    status: Literal["queued", "running", "completed"]
    total: int
    processed: int
    succeeded: int
    failed: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    items: list[BatchItemView] | None = None

    @classmethod
    def of(cls, job: BatchJob, outcomes: list[ItemOutcome] | None = None) -> BatchView:
        return cls(
            id=job.id,
            status=job.status.value,
            total=job.total,
            processed=job.processed,
            succeeded=job.succeeded,
            failed=job.failed,
            created_at=job.created_at,
            updated_at=job.updated_at,
            completed_at=job.completed_at,
            items=None if outcomes is None else [BatchItemView.of(outcome) for outcome in outcomes],
        )


async def _records(request: Request) -> list[BatchItem]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        if media_type == "application/json":
            return json_records(body)
        if media_type == "text/csv":
            return csv_records(body)
    except TooManyRecords as error:
        raise Problem(
            413,
            "too_many_items",
            "Too many records",
            f"A batch holds at most {MAX_ITEMS} records; this one has {error.count} or more.",
            extensions={"limit": MAX_ITEMS},
        ) from None
    except MalformedBody as error:
        raise Problem(422, "invalid_batch", "Unreadable batch", str(error)) from None
    except InvalidRecords as error:
        raise Problem(
            422,
            "invalid_records",
            "Some records are invalid",
            f"{len(error.records)} records are invalid; nothing was queued. Fix them and resend the batch.",
            errors=[FieldError(e.field, e.message, e.code) for e in error.errors],
            extensions={"invalid_records": error.records},
        ) from None
    raise Problem(
        415, "unsupported_media_type", "Unsupported media type", "Send application/json or text/csv."
    )


@router.post(
    "/api/v1/charts/batch",
    status_code=202,
    response_model=BatchView,
    openapi_extra=_BODY_DOCS,
    responses=problem_responses(402, 413, 415),
)
async def submit_batch(
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    use_cases: UseCases,
    idempotency_key: IdempotencyKey = None,
) -> BatchView:
    """Queue up to 1,000 birth records (JSON or CSV) to be cast and saved in the background (plan: `batch`)."""
    command = SubmitBatch(principal.subject, await _records(request), idempotency_key)
    try:
        job, _ = await use_cases.submit_batch(command)
    except EmptyBatch:
        raise Problem(422, "empty_batch", "Empty batch", "Send at least one record.") from None
    except BatchNotInPlan as error:
        raise Problem(
            403,
            "entitlement_required",
            "Not in your plan",
            f"Your plan does not include the `{error.entitlement}` entitlement.",
            extensions={"entitlement": error.entitlement},
        ) from None
    except QuotaExceeded as error:
        raise quota_exceeded_problem(error) from None
    response.headers["Location"] = f"/api/v1/charts/batch/{job.id}"
    return BatchView.of(job)


@router.get("/api/v1/charts/batch/{batch_id}", response_model=BatchView, responses=problem_responses(404))
async def get_batch(batch_id: UUID, principal: CurrentPrincipal, use_cases: UseCases) -> BatchView:
    """Status, counts and the outcome of every settled record (its chart id or its problem)."""
    try:
        report: BatchReport = await use_cases.get_batch(principal, batch_id)
    except BatchNotFound:
        raise Problem(404, "not_found", "Batch not found") from None
    return BatchView.of(report.job, report.outcomes)
