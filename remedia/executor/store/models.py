"""FlowRun, StepRun, StepAttempt and FlowRunEvent: a run as the database keeps it.

Rows change state only through ``remedia.executor.store.persist`` (a compare-and-set on the
state a transaction loaded), and every change adds a numbered FlowRunEvent in the same
transaction, so the event log and the rows never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from remedia.executor.states import RUN_TERMINAL, STEP_TERMINAL, RunState, StepState

RUN_STATES = [(s.value, s.value) for s in RunState]
STEP_STATES = [(s.value, s.value) for s in StepState]


class FlowRun(models.Model):
    """One execution of a flow: its traced DAG, inputs, parameters and overall state."""

    id = models.CharField(primary_key=True, max_length=32)
    flow = models.CharField(max_length=200, db_index=True)
    version = models.PositiveIntegerField()
    dag = models.JSONField()
    params = models.JSONField(default=dict)
    inputs = models.JSONField(default=dict)
    outputs = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=RUN_STATES, default=RunState.PENDING.value)
    error = models.TextField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    event_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=sorted(s.value for s in RUN_TERMINAL))
                | Q(finished_at__isnull=False),
                name="flowrun_terminal_has_finished_at",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.flow} v{self.version} run {self.id} ({self.state})"


class StepRun(models.Model):
    """One step of one run, or one branch of a map step (``map_index`` set)."""

    run = models.ForeignKey(FlowRun, on_delete=models.CASCADE, related_name="steps")
    node = models.CharField(max_length=200)
    map_index = models.PositiveIntegerField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=STEP_STATES, default=StepState.PENDING.value)
    attempt = models.PositiveIntegerField(default=0)
    first_attempt = models.PositiveIntegerField(default=1)
    output = models.JSONField(null=True, blank=True)
    error = models.TextField(null=True, blank=True)
    error_code = models.CharField(max_length=64, null=True, blank=True)
    message = models.TextField(null=True, blank=True)
    queue = models.CharField(max_length=64, default="default")
    not_before = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    deadline_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "node"],
                condition=Q(map_index__isnull=True),
                name="steprun_one_per_node",
            ),
            models.UniqueConstraint(
                fields=["run", "node", "map_index"],
                condition=Q(map_index__isnull=False),
                name="steprun_one_per_branch",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=sorted(s.value for s in STEP_TERMINAL))
                | Q(finished_at__isnull=False),
                name="steprun_terminal_has_finished_at",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "queued_at"]),
            models.Index(fields=["state", "heartbeat_at"]),
        ]

    @property
    def label(self) -> str:
        return self.node if self.map_index is None else f"{self.node}[{self.map_index}]"

    def __str__(self) -> str:
        return f"step {self.label} of run {self.run_id} ({self.state})"


class StepAttempt(models.Model):
    """An append-only log of every execution of a step, including those a crash cut short."""

    step = models.ForeignKey(StepRun, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    worker = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, null=True, blank=True)
    error = models.TextField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["step", "number"], name="stepattempt_unique_number")
        ]


class FlowRunEvent(models.Model):
    """One numbered state change of a run; ``seq`` counts from 1 within the run."""

    run = models.ForeignKey(FlowRun, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=16)
    state = models.CharField(max_length=16)
    node = models.CharField(max_length=200, null=True, blank=True)
    map_index = models.PositiveIntegerField(null=True, blank=True)
    attempt = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "seq"], name="flowrunevent_unique_seq")
        ]
        ordering = ["run", "seq"]
