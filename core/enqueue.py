"""Enqueue a Celery task once the current transaction commits, and survive a broker outage doing it.

`transaction.on_commit(functools.partial(task.delay, ...), robust=True)` is not robust: when the publish fails,
Django logs the error with the callback's `__qualname__`, which a partial lacks, and the AttributeError of the
logging call becomes the request's 500. Here the callback is a real function that catches the publish error
itself, logs it, and tells the caller through `on_failure`; what the task would have done must be recorded in the
database before (the reminder sweep takes over claimed rows whose lease expired), so nothing is lost.
"""

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, on_failure: Callable[[], None] | None = None, **kwargs) -> None:
    """After commit, `task.apply_async(args, kwargs)`; a failed publish is logged and reported to `on_failure`."""

    def publish() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:
            # Any publish error (kombu's OperationalError for a refused connection, a timeout, a full queue): the
            # transaction is committed, so the work is recorded; the caller's next run picks it up.
            logger.exception("could not enqueue %s%r: the broker is unavailable", task.name, args)
            if on_failure is not None:
                on_failure()

    publish.__qualname__ = f"enqueue_on_commit({task.name})"
    publish.task, publish.args = task, args  # what it will send, for tests and debugging
    transaction.on_commit(publish)
