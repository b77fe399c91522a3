"""``core.task_backend``: the same task rows as django-tasks-db's own backend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend as UpstreamDatabaseBackend
from django_tasks_db.models import DBTaskResult

from kamtibmas.core.task_backend import DatabaseBackend
from kamtibmas.notifications.tasks import deliver_message

pytestmark = pytest.mark.django_db


def _columns(row: DBTaskResult) -> dict:
    stored = DBTaskResult.objects.get(pk=row.pk)
    return {
        field.attname: getattr(stored, field.attname)
        for field in DBTaskResult._meta.concrete_fields
        if field.attname not in {"id", "enqueued_at"}
    }


@pytest.mark.parametrize("run_after", [None, timedelta(minutes=5)])
def test_a_task_row_is_the_row_upstream_writes(run_after):
    backend = task_backends["default"]
    assert isinstance(backend, DatabaseBackend)
    assert isinstance(backend, UpstreamDatabaseBackend)  # the worker's own check
    upstream = UpstreamDatabaseBackend(backend.alias, {})
    task = deliver_message
    if run_after is not None:
        task = deliver_message.using(run_after=timezone.now() + run_after)

    ours = backend._task_to_db_task(task, ("0b7e…",), {"reason": "test"})
    theirs = upstream._task_to_db_task(task, ("0b7e…",), {"reason": "test"})

    assert ours.pk != theirs.pk
    assert _columns(ours) == _columns(theirs)
    assert DBTaskResult.objects.get(pk=ours.pk).enqueued_at is not None


def test_enqueue_returns_a_result_the_worker_can_find():
    result = deliver_message.enqueue("0b7e…")

    assert DBTaskResult.objects.get(pk=result.id).task_path == deliver_message.module_path
