"""Reading a run's rows with queries compiled once, both in one round trip on PostgreSQL.

Every step's transaction reads its run: the run row, then its step rows. Through the ORM each
read compiles its queryset again, which cost more CPU than the database took to answer it
(~0.3 ms a query, on every claim and settlement), and the two reads were two round trips.
Here each query is compiled by the ORM once per process (so its SQL, column order and value
converters are exactly the ORM's), then run with the run id bound; on PostgreSQL the run and
its steps are fetched by one multi-statement query, as ``Writes`` sends its statements.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Model, QuerySet

from .models import FlowRun, StepRun

#: Stands for the run id while a query is compiled; replaced by the real one when it runs.
RUN_ID_SLOT = "\x00run-id"


@dataclass(frozen=True)
class CompiledRead:
    """One queryset's SQL with the run id's positions in its parameters, and how to turn its
    rows into model instances as the ORM would."""

    model: type[Model]
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]

    @classmethod
    def of(cls, queryset: QuerySet[Any]) -> CompiledRead:
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        columns = [expression for expression, _, _ in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(columns)
        return cls(
            model=queryset.model,
            sql=sql,
            params=tuple(params),
            slots=tuple(i for i, value in enumerate(params) if value == RUN_ID_SLOT),
            attnames=tuple(column.target.attname for column in columns),
            converters=tuple(
                (position, tuple(functions), expression)
                for position, (functions, expression) in converters.items()
            ),
        )

    def bind(self, run_id: str) -> list[Any]:
        params = list(self.params)
        for slot in self.slots:
            params[slot] = run_id
        return params

    def build(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        model, attnames, db = self.model, self.attnames, connection.alias
        built = []
        for fetched in rows:
            row = list(fetched)
            for position, functions, expression in self.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            built.append(model.from_db(db, attnames, row))
        return built


@cache
def _run_query(vendor: str, lock: bool, with_dag: bool) -> CompiledRead:
    query = FlowRun.objects.select_for_update() if lock else FlowRun.objects.all()
    if not with_dag:
        query = query.defer("dag", "params")
    return CompiledRead.of(query.filter(id=RUN_ID_SLOT))


@cache
def _steps_query(vendor: str) -> CompiledRead:
    return CompiledRead.of(StepRun.objects.filter(run_id=RUN_ID_SLOT).order_by("id"))


def _the_run(rows: list[FlowRun], run_id: str) -> FlowRun:
    if not rows:
        raise FlowRun.DoesNotExist(f"run {run_id} does not exist")
    return rows[0]


def read_run(run_id: str, *, lock: bool, with_dag: bool) -> FlowRun:
    """The run row (its lock taken with ``lock``); the DAG and params only ``with_dag``."""
    query = _run_query(connection.vendor, lock, with_dag)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.bind(run_id))
        return _the_run(query.build(cursor.fetchall()), run_id)


def read_steps(run_id: str) -> list[StepRun]:
    """The run's step rows in the order they were created."""
    query = _steps_query(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(query.sql, query.bind(run_id))
        return query.build(cursor.fetchall())


def read_run_and_steps(run_id: str, *, lock: bool, with_dag: bool) -> tuple[FlowRun, list[StepRun]]:
    """The run row, then its step rows read after its lock was taken, in one round trip:
    PostgreSQL only, whose client-side binding allows several statements in one query."""
    run_query = _run_query(connection.vendor, lock, with_dag)
    steps_query = _steps_query(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{run_query.sql};\n{steps_query.sql}",
            [*run_query.bind(run_id), *steps_query.bind(run_id)],
        )
        runs = run_query.build(cursor.fetchall())
        cursor.nextset()
        steps = steps_query.build(cursor.fetchall())
    return _the_run(runs, run_id), steps
