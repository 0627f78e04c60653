"""Writes sent in one round trip still check every compare-and-set, wherever it stands."""

from __future__ import annotations

import pytest
from django.db import close_old_connections, transaction


@pytest.mark.parametrize("missed", [0, 1, 2])
def test_a_missed_compare_and_set_anywhere_in_the_batch_rolls_the_batch_back(cluster_pool, missed):
    cluster_pool.get("rabbitmq")
    from remedia.executor.store.models import FlowRun
    from remedia.executor.store.writes import ConcurrentUpdate, Writes

    close_old_connections()
    ids = [f"writes-{missed}-{n}" for n in range(3)]
    FlowRun.objects.filter(id__in=ids).delete()
    FlowRun.objects.bulk_create(
        FlowRun(id=run_id, flow="test.writes", version=1, dag={}) for run_id in ids
    )
    try:
        writes = Writes()
        for number, run_id in enumerate(ids):
            expected = "RUNNING" if number == missed else "PENDING"
            writes.update(
                FlowRun, {"id": run_id, "state": expected}, {"error": "x"}, conflict=run_id
            )
        with pytest.raises(ConcurrentUpdate, match=ids[missed]), transaction.atomic():
            writes.send()
        assert (
            list(FlowRun.objects.filter(id__in=ids).values_list("error", flat=True)) == [None] * 3
        )
        writes = Writes()
        for run_id in ids:
            writes.update(
                FlowRun, {"id": run_id, "state": "PENDING"}, {"error": "y"}, conflict=run_id
            )
        with transaction.atomic():
            writes.send()
        assert set(FlowRun.objects.filter(id__in=ids).values_list("error", flat=True)) == {"y"}
    finally:
        FlowRun.objects.filter(id__in=ids).delete()


def test_more_rows_than_a_statement_may_bind_are_inserted_in_several_statements(cluster_pool):
    cluster_pool.get("rabbitmq")
    import datetime as dt

    from remedia.executor.store.models import FlowRun, FlowRunEvent
    from remedia.executor.store.writes import Writes

    close_old_connections()
    run_id = "writes-many"
    FlowRun.objects.filter(id=run_id).delete()
    FlowRun.objects.create(id=run_id, flow="test.writes", version=1, dag={})
    try:
        at = dt.datetime.now(tz=dt.UTC)
        events = [
            FlowRunEvent(run_id=run_id, seq=seq, kind="step", state="QUEUED", node="n", at=at)
            for seq in range(1, 5001)
        ]
        writes = Writes()
        writes.insert(events)
        with transaction.atomic():
            writes.send()
        seqs = FlowRunEvent.objects.filter(run_id=run_id).values_list("seq", flat=True)
        assert sorted(seqs) == list(range(1, 5001))
    finally:
        FlowRun.objects.filter(id=run_id).delete()
