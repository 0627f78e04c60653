"""The Celery app, configured for at-least-once delivery from the settings it is given.

Every choice here closes a known way to lose or repeat work (RELIABILITY notes in the docs):
late acks with requeue on a lost worker, prefetch of one, publisher confirms, no result
backend (state lives in the database), and cancellation of running tasks when the broker
connection drops so an unacked step does not keep running as a ghost.

Database connections outlive a task. Celery's Django fixup closes every connection after every
task unless ``CELERY_DB_REUSE_MAX`` says otherwise, so a worker would open a new PostgreSQL
connection (a server process forked, authentication, a cold cache of the run rows this process
committed) for each message: that cost more than the step's own transactions. Here the fixup
never closes them, and after each task Django's own ``close_old_connections`` closes the
ones that are broken or older than ``CONN_MAX_AGE``, as it does after each web request.
"""

from __future__ import annotations

from celery import Celery, signals

from remedia.executor.settings import BrokerSettings, ExecutorSettings

from .queues import dead_letter_queue, queue_name, step_queue

CONTROL_QUEUE = "default"
DB_REUSE_TASKS = 1_000_000_000


@signals.task_postrun.connect(weak=False)
def close_old_database_connections(**_: object) -> None:
    """What Django does after a request: close broken connections and expired ones."""
    from django.db import close_old_connections

    close_old_connections()


def create_celery_app(
    broker: BrokerSettings | None = None,
    executor: ExecutorSettings | None = None,
    *,
    queues: tuple[str, ...] = (CONTROL_QUEUE,),
) -> Celery:
    """A Celery app for remedia's tasks; ``queues`` are declared up front with their policy."""
    broker = broker or BrokerSettings()
    executor = executor or ExecutorSettings()
    app = Celery("remedia", broker=broker.url, set_as_current=False)
    transport_options: dict[str, object] = {}
    if broker.is_amqp:
        transport_options["confirm_publish"] = True
    else:
        transport_options["visibility_timeout"] = broker.visibility_timeout
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_store_errors_even_if_ignored=False,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_cancel_long_running_tasks_on_connection_loss=True,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        worker_enable_remote_control=True,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        broker_transport_options=transport_options,
        broker_heartbeat=30 if broker.is_amqp else None,
        task_default_queue=queue_name(broker, CONTROL_QUEUE),
        task_default_exchange=broker.queue_prefix,
        task_default_routing_key=queue_name(broker, CONTROL_QUEUE),
        task_create_missing_queues=False,
        task_queues=[step_queue(broker, q) for q in dict.fromkeys((CONTROL_QUEUE, *queues))],
        beat_schedule={
            "remedia-reap": {
                "task": "remedia.reap",
                "schedule": executor.reaper_seconds,
                "options": {"expires": executor.reaper_seconds * 2},
            }
        },
    )
    # Read by Celery's Django fixup: close its connections only every 2 x this many tasks.
    app.conf.update(CELERY_DB_REUSE_MAX=DB_REUSE_TASKS)
    app.remedia_broker = broker  # type: ignore[attr-defined]
    # The step queues a worker of this app consumes: the successors it may run itself.
    app.remedia_queues = tuple(dict.fromkeys(queues))  # type: ignore[attr-defined]
    app.remedia_executor = executor  # type: ignore[attr-defined]
    return app


def ensure_queue(app: Celery, queue: str) -> str:
    """Register a step queue with the app (declared on first publish); returns its name."""
    broker: BrokerSettings = app.remedia_broker  # type: ignore[attr-defined]
    name = queue_name(broker, queue)
    if name not in app.amqp.queues:
        app.amqp.queues.add(step_queue(broker, queue))
    return name


def declare_dead_letters(app: Celery) -> None:
    """Declare the dead-letter exchange and the queue that keeps what it receives."""
    broker: BrokerSettings = app.remedia_broker  # type: ignore[attr-defined]
    if not broker.is_amqp:
        return
    with app.connection_for_write() as connection:
        dead_letter_queue(broker)(connection.default_channel).declare()
