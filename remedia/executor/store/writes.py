"""Writes: the UPDATEs and INSERTs one transaction saves, sent in one round trip.

Saving a step's settlement writes several rows (the steps it moved, the run row with its event
counter, the events). Each statement is plain ``UPDATE ... SET ... WHERE`` or ``INSERT``, its
values prepared by the model fields as ``.update()`` and ``bulk_create`` prepare them, without
the query compiler (which cost more than the round trip). On PostgreSQL they go to the server
as one multi-statement query: the client-side binding Django uses with psycopg allows it,
and each statement's row count comes back separately, so every compare-and-set is still
checked. Other backends run the same statements one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DataError, connection, connections
from django.db.models import AutoField, Model


class ConcurrentUpdate(Exception):
    """A row changed under a transaction that held the run lock: retry the transaction."""


@dataclass(frozen=True)
class Statement:
    sql: str
    params: tuple[Any, ...]
    # Set for a compare-and-set: the error when it does not change exactly one row.
    conflict: str | None = None
    # Set for a guard: the error when it divides by zero.
    guard: str | None = None


class Writes:
    """Statements collected in order, sent by ``send``."""

    def __init__(self) -> None:
        self.statements: list[Statement] = []

    def setting(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """A statement that holds for the rest of the transaction (``SET LOCAL``, a
        transaction-level lock), sent ahead of the other writes."""
        self.statements.insert(0, Statement(sql, params))

    def guard(self, sql: str, params: tuple[Any, ...], conflict: str) -> None:
        """A statement that divides by zero when the writes after it must not happen: the
        error stops the round trip there, and ``send`` raises ConcurrentUpdate(conflict).
        (A compare-and-set that matches nothing lets the statements after it run.)"""
        self.statements.append(Statement(sql, params, guard=conflict))

    def update(
        self,
        model: type[Model],
        where: dict[str, Any],
        fields: dict[str, Any],
        *,
        conflict: str | None = None,
    ) -> None:
        """``UPDATE model SET fields WHERE where``; with ``conflict``, a compare-and-set that
        must change exactly one row. ``where`` compares for equality with non-null values."""
        opts = model._meta
        db = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy for every value
        quote = db.ops.quote_name
        assigned = [opts.get_field(name) for name in fields]
        compared = [opts.get_field(name) for name in where]
        sql = "UPDATE {} SET {} WHERE {}".format(
            quote(opts.db_table),
            ", ".join(f"{quote(field.column)} = %s" for field in assigned),
            " AND ".join(f"{quote(field.column)} = %s" for field in compared),
        )
        params = [
            field.get_db_prep_save(value, db)
            for field, value in zip(assigned, fields.values(), strict=True)
        ] + [
            field.get_db_prep_value(value, db)
            for field, value in zip(compared, where.values(), strict=True)
        ]
        self.statements.append(Statement(sql, tuple(params), conflict))

    def insert(self, objs: list[Model]) -> None:
        """``INSERT`` of ``objs`` (one model), without reading their ids back."""
        if not objs:
            return
        opts = objs[0]._meta
        db = connections[DEFAULT_DB_ALIAS]
        quote = db.ops.quote_name
        fields = [f for f in opts.concrete_fields if not isinstance(f, AutoField)]
        row = "({})".format(", ".join(["%s"] * len(fields)))
        head = "INSERT INTO {} ({}) VALUES ".format(
            quote(opts.db_table), ", ".join(quote(field.column) for field in fields)
        )
        # Backends with a limit on parameters per statement (SQLite) get several INSERTs.
        size = max(1, db.ops.bulk_batch_size(fields, objs))
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [
                field.get_db_prep_save(field.pre_save(obj, True), db)
                for obj in chunk
                for field in fields
            ]
            self.statements.append(Statement(head + ", ".join([row] * len(chunk)), tuple(params)))

    def send(self) -> None:
        """Run every statement; raises ConcurrentUpdate if a compare-and-set missed."""
        statements, self.statements = self.statements, []
        if not statements:
            return
        guard = next((s.guard for s in statements if s.guard is not None), None)
        try:
            counts = self._run(statements)
        except DataError as exc:
            if guard is None or "division by zero" not in str(exc):
                raise
            raise ConcurrentUpdate(guard) from None
        for statement, count in zip(statements, counts, strict=True):
            if statement.conflict is not None and count != 1:
                raise ConcurrentUpdate(statement.conflict)

    @staticmethod
    def _run(statements: list[Statement]) -> list[int]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and len(statements) > 1:
                # Bound one statement at a time, whose parsed form psycopg caches, rather than
                # as one long query it would parse again on every call.
                bind = cursor.cursor.mogrify
                cursor.execute(";\n".join(bind(s.sql, s.params) for s in statements))
                counts = [cursor.rowcount]
                while cursor.nextset():
                    counts.append(cursor.rowcount)
            else:
                counts = []
                for statement in statements:
                    cursor.execute(statement.sql, statement.params)
                    counts.append(cursor.rowcount)
        return counts
