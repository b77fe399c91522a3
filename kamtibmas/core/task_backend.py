"""The database task backend of django-tasks-db, writing each task's row with one
INSERT composed once per process (``core.rows.row_insert``) instead of
``DBTaskResult.objects.create()``.

A notification's delivery task is written in the transaction of the change it reports
(``notifications.services``), so its row is part of every aspiration submit; the
ORM's composing of that INSERT was about a twentieth of a submit (§9 P3). The row is
the same: the same columns, ids and defaults as upstream's ``_task_to_db_task``
(tested against it), and everything else — the worker, results, pruning — is
upstream's, as this class is a ``django_tasks_db.DatabaseBackend``.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.backend import DatabaseBackend as UpstreamDatabaseBackend
from django_tasks_db.compat import normalize_json

from kamtibmas.core.rows import row_insert


class DatabaseBackend(UpstreamDatabaseBackend):
    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.models import DBTaskResult

        row: Any = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
        row_insert(row)
        return row
