"""Celery tasks' changes carry the task's name in their history context (a request's carry its
user and URL: pghistory's HistoryMiddleware)."""

import pghistory
from celery.signals import task_postrun, task_prerun

_open: dict[str, pghistory.context] = {}


@task_prerun.connect
def enter_task_context(task_id=None, task=None, **kwargs) -> None:
    context = pghistory.context(task=getattr(task, "name", None))
    context.__enter__()
    _open[task_id] = context


@task_postrun.connect
def exit_task_context(task_id=None, **kwargs) -> None:
    context = _open.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)
