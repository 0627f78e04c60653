"""Submitting a run: validate it, apply the rate limit and the idempotency key, submit it.

A request carrying an ``Idempotency-Key`` its user has used before gets the run that key
created, without counting against the limit; the same key with a different request is a
conflict, since answering it with the old run would hide the change.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction

from remedia.executor.store.models import FlowRun
from remedia.flows import Artifact, decode_value

from .access import asset_for
from .models import Asset, Submission
from .problems import Conflict, Unprocessable
from .rate_limit import check_submission_rate
from .run_schemas import RunSubmit
from .runtime import runtime

MAX_IDEMPOTENCY_KEY = 200


def _request_digest(body: RunSubmit, asset: Asset) -> str:
    """What makes two submissions the same: the flow, version, parameters and input content
    (not the asset id, so a retried upload of the same file in one request matches)."""
    fields = body.model_dump(mode="json", exclude={"asset_id"}) | {"input": asset.digest}
    canonical = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replayed(user: Any, key: str | None, digest: str) -> FlowRun | None:
    if key is None:
        return None
    found = Submission.objects.select_related("run").filter(owner=user, idempotency_key=key)
    submission = found.first()
    if submission is None:
        return None
    if submission.request_digest != digest:
        raise Conflict(
            f"the Idempotency-Key '{key}' was used for a different request (run "
            f"{submission.run_id}); use a new key for a new submission"
        )
    return submission.run


def asset_artifact(asset: Asset) -> Artifact:
    return Artifact(
        key=asset.key,
        digest=asset.digest,
        size=asset.size,
        media_type=asset.media_type,
        name=asset.name,
    )


def submit_run(
    user: Any, body: RunSubmit, key: str | None, asset: Asset | None = None
) -> tuple[FlowRun, bool]:
    """The run this request created, and whether it was created earlier under ``key``.

    ``asset`` is the file uploaded with this same request, when it came as multipart.
    """
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
        raise Unprocessable(
            f"the Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
            errors=[{"loc": ["header", "Idempotency-Key"], "msg": "bad length", "type": "value"}],
        )
    asset = asset or asset_for(user, body.asset_id)
    digest = _request_digest(body, asset)
    replay = _replayed(user, key, digest)
    if replay is not None:
        return replay, True
    rt = runtime()
    flow = rt.catalogue.flow(body.flow, body.version)
    params = flow.validate_params(body.params)
    check_submission_rate(user, rt.settings)
    inputs = {flow.inputs[0]: asset_artifact(asset)} if flow.inputs else {}
    try:
        with transaction.atomic():
            run_id = rt.service.submit(flow, inputs, params, owner_id=user.pk)
            Submission.objects.create(
                run_id=run_id, owner=user, asset=asset, idempotency_key=key, request_digest=digest
            )
    except IntegrityError:
        replay = _replayed(user, key, digest)
        if replay is None:
            raise
        return replay, True
    return FlowRun.objects.get(id=run_id), False


def rerun(user: Any, original: FlowRun) -> FlowRun:
    """A new run of the same flow version, inputs and parameters, owned by ``user``."""
    rt = runtime()
    flow = rt.catalogue.flow(original.flow, original.version)
    check_submission_rate(user, rt.settings)
    inputs = {name: decode_value(value) for name, value in original.inputs.items()}
    before = Submission.objects.filter(run_id=original.id).first()
    with transaction.atomic():
        run_id = rt.service.submit(flow, inputs, original.params, owner_id=user.pk)
        Submission.objects.create(
            run_id=run_id,
            owner=user,
            asset=before.asset if before else None,
            request_digest=before.request_digest if before else "",
        )
    return FlowRun.objects.get(id=run_id)
