"""System checks of our own, run by ``kamtibmas check`` (and ``--deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.files.storage import storages
from django.utils.translation import gettext as _


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


@checks.register(checks.Tags.security, deploy=True)
def bench_baselines_off(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The benchmark baselines accept writes from anyone: a benchmark switches them
    on, a public server must not."""
    if settings.PRODUCTION and settings.KAMTIBMAS_BENCH_BASELINES:
        return [
            checks.Warning(
                "The benchmark baselines are served (KAMTIBMAS_BENCH_BASELINES is on).",
                hint="Unset KAMTIBMAS_BENCH_BASELINES unless this server runs a benchmark.",
                id="kamtibmas.W001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def public_url_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Certificates print ``PUBLIC_URL`` in their QR code: in production it must be the
    server's real HTTPS address, or every printed QR leads nowhere."""
    if settings.PRODUCTION and not settings.PUBLIC_URL.startswith("https://"):
        return [
            checks.Error(
                "KAMTIBMAS_PUBLIC_URL is not this server's https:// address.",
                hint="Set KAMTIBMAS_PUBLIC_URL, e.g. https://kamtibmas.example.go.id",
                id="kamtibmas.E002",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def dpo_contact_set(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """UU PDP Art. 53-54: residents must be able to reach the data-protection officer;
    the contact is printed in the processing record (``kamtibmas privacy_inventory``)."""
    if settings.PRODUCTION and not settings.KAMTIBMAS_DPO_CONTACT:
        return [
            checks.Error(
                _("KAMTIBMAS_DPO_CONTACT (the data-protection officer's contact) is empty."),
                hint=_(
                    "Set KAMTIBMAS_DPO_CONTACT, e.g. "
                    '"PPID Polres Metro Bekasi Kota, dpo@example.go.id, +62 21 000000"'
                ),
                id="kamtibmas.E003",
            )
        ]
    return []
