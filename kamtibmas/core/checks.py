"""System checks of our own, run by ``kamtibmas check`` (and ``--deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.files.storage import storages


@checks.register(checks.Tags.staticfiles, deploy=True)
def static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """In production CSS and icons come from the collected, hashed files; without
    ``collectstatic`` every page (the error pages too) would fail to render."""
    if not settings.PRODUCTION:
        return []
    storage = storages["staticfiles"]
    manifest = getattr(storage, "manifest_name", None)
    if manifest and not storage.exists(manifest):
        return [
            checks.Error(
                "The static files have not been collected.",
                hint="Run: kamtibmas collectstatic --noinput",
                id="kamtibmas.E001",
            )
        ]
    return []
