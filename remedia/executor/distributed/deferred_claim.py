"""DeferredClaim: a delivered step that starts running before its claim is committed.

Claiming a step (QUEUED -> RUNNING, in its own transaction) and settling it (in another) cost
two commits; for a step that takes milliseconds, the first one bought nothing anybody could
see. So a worker reads the step without a lock (``RunService.claim_later``) and runs it at
once. Whichever comes first then commits the claim, exactly once:

- the step ends: its claim and its outcome are committed together, in one transaction;
- it is still running after ``claim_after_seconds``: the heartbeat thread commits the claim,
  and from then on the step is RUNNING, beaten for and cancellable like any other.

Nothing is lost meanwhile: until a commit, the step is QUEUED in the database and its message
is not acknowledged, so a worker that dies is replaced by a redelivery.

A duplicate delivery must not run the step a second time. While nothing is committed, the
database cannot tell it, so a deferred start first reserves the step in Redis (``SET NX`` with
an expiry a little past ``claim_after_seconds``). A delivery that finds the reservation taken
waits for it to expire and then claims the step the ordinary way: by then the first delivery
has committed (the duplicate is dropped as stale) or died (the step is still QUEUED, and this
delivery runs it). Without Redis, steps are claimed before they start. Should a duplicate run
anyway (a reservation expired under a stalled commit), the later commit finds the step taken,
its outcome is dropped, and the step is told to stop through ``ctx.cancelled()``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from redis import Redis, RedisError

from remedia.executor.attempt import Outcome

if TYPE_CHECKING:
    from remedia.executor.store.attempts import Claim
    from remedia.executor.store.service import RunService

logger = logging.getLogger("remedia.worker")


class ClaimState(Enum):
    PENDING = "pending"  # nothing committed: the step is QUEUED in the database
    COMMITTED = "committed"  # the heartbeat thread committed the claim
    LOST = "lost"  # another delivery holds the step, or the run was cancelled
    SETTLED = "settled"


class DeferredClaim:
    """The claim of one running step, committed by ``commit`` or by ``settle``, not both."""

    def __init__(self, service: RunService, claim: Claim, reservations: StartReservations) -> None:
        self.service = service
        self.claim = claim
        self.reservations = reservations
        self.state = ClaimState.PENDING
        self.cancelled: threading.Event | None = None
        self._lock = threading.Lock()

    def commit(self) -> None:
        """On the heartbeat thread: the step runs long enough to be worth showing RUNNING."""
        with self._lock:
            if self.state != ClaimState.PENDING:
                return
            taken = self.service.claim(self.claim.step_id, run_id=self.claim.run_id)
            if taken is None:
                logger.info("step %s was claimed by another delivery", self.claim.step_id)
                self.state = ClaimState.LOST
                if self.cancelled is not None:
                    self.cancelled.set()
                return
            self.claim = taken
            self.state = ClaimState.COMMITTED
            self.reservations.release(self.claim.step_id)

    def settle(self, outcome: Outcome, queues: Collection[str]) -> tuple[bool, Claim | None]:
        """Commit the outcome (with the claim, if nobody committed it yet); returns what
        ``RunService.finish_and_continue`` returns, or (False, None) if the step was lost."""
        with self._lock:
            state, self.state = self.state, ClaimState.SETTLED
            if state == ClaimState.LOST:
                return False, None
            claim = self.claim
            if state == ClaimState.COMMITTED:
                claim = dataclasses.replace(claim, deferred=False)
            result = self.service.finish_and_continue(claim, outcome, queues=queues)
            if state == ClaimState.PENDING:
                self.reservations.release(claim.step_id)
            return result


@dataclass(frozen=True)
class Reservation:
    """Whether a delivery may start a step before claiming it, and who started it before."""

    granted: bool
    # The worker and attempt of an early start that never claimed the step (it died, or its
    # commit stalled): the claim records that attempt as lost.
    lost_start: tuple[str, int] | None = None


class StartReservations:
    """The steps started before their claim was committed, kept in Redis until the claim is.

    A reservation is released when its claim commits. One left by a worker that died lasts
    ``keep_seconds`` (the reaper's ``republish_after_seconds``, by which any step still QUEUED
    is delivered again), so the next delivery learns which attempt was lost however late it
    comes, and the attempts a step that kills its worker may have stay bounded.
    """

    def __init__(
        self, client: Redis, key_prefix: str, claim_after: float, keep_seconds: float
    ) -> None:
        self.client = client
        self.key_prefix = key_prefix
        self.claim_after = claim_after
        self.expiry_ms = int(max(keep_seconds, 2 * claim_after + 1) * 1000)

    def _key(self, step_id: int) -> str:
        return f"{self.key_prefix}step:{step_id}:started"

    def reserve(self, step_id: int, worker: str, attempt: int) -> Reservation:
        """Reserve the step's ``attempt`` for ``worker``; if another delivery holds it, wait
        until that one must have committed its claim, and say whom to record as lost."""
        key = self._key(step_id)
        try:
            if self.client.set(key, f"{attempt}|{worker}", nx=True, px=self.expiry_ms):
                return Reservation(True)
            pipe = self.client.pipeline(transaction=False)
            holder, remaining = pipe.get(key).pttl(key).execute()
        except RedisError:
            logger.warning("Redis did not answer; step %s is claimed before it starts", step_id)
            return Reservation(False)
        if holder is None:
            return Reservation(False)
        held_ms = self.expiry_ms - max(int(remaining), 0)
        wait_ms = (self.claim_after + 1) * 1000 - held_ms
        if wait_ms > 0:
            time.sleep(wait_ms / 1000)
        text = holder.decode() if isinstance(holder, bytes) else str(holder)
        number, _, previous = text.partition("|")
        return Reservation(False, (previous, int(number)) if number.isdigit() else None)

    def release(self, step_id: int) -> None:
        """The step's claim is committed: the reservation has done its work."""
        try:
            self.client.delete(self._key(step_id))
        except RedisError:
            logger.warning("Redis did not answer; the reservation of step %s expires", step_id)
