"""Carry the request id from the request that enqueues a task into the task, and give each task run its own
audit/log context: process "celery:<task name>", the task id, and the enqueuing request's id."""

from celery.signals import before_task_publish, task_postrun, task_prerun

from .context import audit_context, current

HEADER = "request_id"
_open: dict[str, object] = {}


def _stamp_request_id(headers=None, **kwargs) -> None:
    request_id = current().get("request_id")
    if headers is not None and request_id and HEADER not in headers:
        headers[HEADER] = request_id


def _enter(task_id=None, task=None, **kwargs) -> None:
    request = task.request
    # Custom message headers reach the task as request attributes (protocol 2); older paths keep them apart.
    request_id = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    manager = audit_context(process=f"celery:{task.name}", task_id=task_id, request_id=request_id or task_id)
    manager.__enter__()
    _open[task_id] = manager


def _exit(task_id=None, **kwargs) -> None:
    manager = _open.pop(task_id, None)
    if manager is not None:
        manager.__exit__(None, None, None)


def connect() -> None:
    before_task_publish.connect(_stamp_request_id, weak=False, dispatch_uid="audit.request_id")
    task_prerun.connect(_enter, weak=False, dispatch_uid="audit.task_enter")
    task_postrun.connect(_exit, weak=False, dispatch_uid="audit.task_exit")
