"""A thread reuses the step rows it committed only while nobody else changed the run."""

from __future__ import annotations

import threading

from django.db import connection

from remedia.executor.store.outbound import Publisher
from tests.behaviour import flows
from tests.integration.executor.ledger import workdir
from tests.support.distributed import DistributedHarness


class RecordingPublisher(Publisher):
    """Keeps the step ids it is asked to publish, so no worker ever receives them."""

    def __init__(self) -> None:
        self.steps: list[int] = []

    def publish_step(self, step_id, run_id, queue, timeout=None) -> None:
        self.steps.append(step_id)

    def schedule_advance(self, run_id, countdown) -> None:
        pass


def recording_service(shared, settings=None):
    """A RunService on the cluster's store whose messages go to a RecordingPublisher, so the
    test drives every claim itself."""
    from remedia.executor.store.service import RunService

    publisher = RecordingPublisher()
    service = RunService(
        catalogue=shared.catalogue,
        storage=shared.storage,
        publisher=publisher,
        mirror=shared.mirror,
        settings=settings or shared.settings,
    )
    return service, publisher


def in_other_thread(call) -> None:
    """Run ``call`` on another thread, hence another database connection, and wait for it."""
    failures: list[BaseException] = []

    def target() -> None:
        try:
            call()
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    assert not failures, failures


def test_a_change_from_another_connection_fences_the_attempt_this_thread_claimed(
    cluster_pool, sole_reaper, tmp_path
):
    cluster, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.attempt import Outcome
    from remedia.executor.store.models import FlowRunEvent, StepRun

    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", cluster, service)
    with sole_reaper(None):  # no reaper may judge the attempt nobody beats for
        text = harness.store(b"kept")
        run_id = service.submit(flows.linear, {"text": text}, {"workdir": str(workdir(tmp_path))})
        claim = service.claim(publisher.steps.pop(0))
        assert claim is not None and claim.attempt == 1
        # Another connection declares the attempt lost and re-queues the step: this thread's
        # kept rows still say RUNNING attempt 1, and must not be believed.
        in_other_thread(lambda: service.lose_attempt(claim.step_id, "test", "worker_lost"))
        outcome = Outcome("completed", output={"value": 1})
        assert service.finish_and_continue(claim, outcome, queues=("default",)) == (False, None)
        row = StepRun.objects.get(id=claim.step_id)
        assert (row.state, row.attempt) == ("QUEUED", 1)
        assert not StepRun.objects.filter(run_id=run_id, state="RUNNING").exists()
        again = service.claim(claim.step_id)
        assert again is not None and again.attempt == 2
    states = list(
        FlowRunEvent.objects.filter(run_id=run_id, node="shout")
        .order_by("seq")
        .values_list("state", "attempt")
    )
    assert states == [("QUEUED", 0), ("RUNNING", 1), ("QUEUED", 1), ("RUNNING", 2)]


def test_a_step_another_connection_completed_is_seen_by_the_commit_that_completes_its_sibling(
    cluster_pool, sole_reaper, tmp_path
):
    cluster, shared = cluster_pool.get("rabbitmq")
    from remedia.executor.attempt import Outcome

    service, publisher = recording_service(shared)
    harness = DistributedHarness("rabbitmq", cluster, service)
    done = Outcome("completed", output={"value": 1})
    with sole_reaper(None):
        text = harness.store(b"siblings")
        service.submit(flows.rendezvous, {"text": text}, {"workdir": str(workdir(tmp_path))})
        first_id, second_id = publisher.steps
        first = service.claim(first_id)  # this thread now keeps the run's rows
        assert first is not None

        def the_sibling() -> None:
            second = service.claim(second_id)
            assert second is not None
            assert service.finish(second, done)

        in_other_thread(the_sibling)
        # Only this commit can see both meets done, so only it can make ``pair`` ready: with
        # rows kept from before the sibling completed, the run would stall here.
        settled, following = service.finish_and_continue(first, done, queues=("default",))
        assert settled
        assert following is not None and following.node == "pair"
