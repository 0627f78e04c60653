"""``/runs``: submit, list, read, cancel, retry and re-run runs of flows.

``GET /runs/{id}/events`` (the live event stream) is a router of its own, in ``events``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router
from ninja.responses import Status

from remedia.executor.states import RunState

from .access import readable_run, run_for, visible_runs
from .auth import api_auth
from .ids import RunId
from .pagination import page_of
from .problems import Conflict, Forbidden, Problem
from .run_requests import SUBMIT_BODY, RunFilters, parse_submission
from .run_schemas import RunOut, RunPage
from .run_views import run_out, run_summaries
from .runtime import runtime
from .submission import rerun, submit_run

router = Router(tags=["runs"], auth=api_auth)

RETRYABLE = frozenset({RunState.FAILED, RunState.CANCELLED, RunState.CRASHED})
ERRORS = {401: Problem, 403: Problem, 404: Problem}


@router.post(
    "",
    response={
        201: RunOut,
        **{code: Problem for code in (400, 401, 403, 404, 409, 413, 415, 422, 429)},
    },
    openapi_extra=SUBMIT_BODY,
    summary="Submit a run (JSON naming an asset, or multipart with the file)",
)
def create_run(
    request: HttpRequest,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status:
    body, uploaded = parse_submission(request)
    try:
        run, replayed = submit_run(request.auth, body, idempotency_key, uploaded)
    except Exception:
        if uploaded is not None:
            uploaded.delete()
        raise
    if replayed and uploaded is not None:
        uploaded.delete()
    return Status(201, run_out(run))


@router.get(
    "",
    response={200: RunPage, 401: Problem, 403: Problem, 422: Problem},
    summary="List runs, newest first",
)
def list_runs(request: HttpRequest, filters: Query[RunFilters]) -> RunPage:
    user = request.auth
    runs = visible_runs(user).select_related("owner", "submission")
    if filters.owner is not None:
        if not user.is_staff and filters.owner != user.get_username():
            raise Forbidden("only staff may list other users' runs: leave 'owner' out")
        runs = runs.filter(owner__username=filters.owner)
    if filters.flow:
        runs = runs.filter(flow=filters.flow)
    if filters.state:
        runs = runs.filter(state=filters.state.value)
    if filters.created_after:
        runs = runs.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        runs = runs.filter(created_at__lt=filters.created_before)
    settings = runtime().settings
    limit = min(filters.limit or settings.page_size, settings.max_page_size)
    rows, next_cursor = page_of(runs, filters.cursor, limit)
    return RunPage(items=run_summaries(rows), next_cursor=next_cursor)


@router.get("/{run_id}", response={200: RunOut, **ERRORS}, summary="Get a run and its steps")
def get_run(request: HttpRequest, run_id: RunId) -> HttpResponse:
    # The body already has RunOut's exact shape (run_views says why it is not a RunOut), so
    # it is rendered as is, by the API's own renderer, instead of being validated again.
    from .app import api  # the app mounts this router, so it is imported here, not at the top

    return api.create_response(request, run_out(readable_run(request.auth, run_id)), status=200)


@router.post(
    "/{run_id}/cancel", response={202: RunOut, **ERRORS, 409: Problem}, summary="Ask a run to stop"
)
def cancel_run(request: HttpRequest, run_id: RunId) -> Status:
    run = run_for(request.auth, run_id)
    if not runtime().service.cancel(run.id):
        run.refresh_from_db()
        raise Conflict(f"run {run.id} already ended ({run.state}); there is nothing to cancel")
    return Status(202, run_out(run))


@router.post(
    "/{run_id}/retry",
    response={202: RunOut, **ERRORS, 409: Problem},
    summary="Run the failed, skipped and cancelled steps of a finished run again",
)
def retry_run(request: HttpRequest, run_id: RunId) -> Status:
    run = run_for(request.auth, run_id)
    if RunState(run.state) not in RETRYABLE:
        raise Conflict(
            f"run {run.id} is {run.state}: only a FAILED, CANCELLED or CRASHED run can be "
            "retried; use POST /runs/{id}/rerun to run a completed one again"
        )
    runtime().service.retry(run.id)
    return Status(202, run_out(run))


@router.post(
    "/{run_id}/rerun",
    response={201: RunOut, **ERRORS, 429: Problem},
    summary="Start a new run with the same flow version, inputs and parameters",
)
def rerun_run(request: HttpRequest, run_id: RunId) -> Status:
    original = run_for(request.auth, run_id)
    return Status(201, run_out(rerun(request.auth, original)))
