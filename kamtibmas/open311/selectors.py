"""Reads of the Open311 adapter's own records."""

from __future__ import annotations

from collections.abc import Iterable

from kamtibmas.aspirations.selectors import PublicCase
from kamtibmas.open311.models import ApiKey, Submission


def submissions_shown(cases: Iterable[PublicCase]) -> dict[int, tuple[str, str]]:
    """The Open311 fields the public may read, the address as written and the
    client's media link, by aspiration id: only of cases whose words are public
    (``PublicCase.words``). One query; the other encrypted fields are not read."""
    ids = [case.pk for case in cases if case.words]
    if not ids:
        return {}
    rows = Submission.objects.filter(aspiration_id__in=ids).values_list(
        "aspiration_id", "address_string", "media_url"
    )
    return {pk: (address or "", media or "") for pk, address, media in rows}


def api_keys_listed() -> list[ApiKey]:
    """Every key, for the administrator's command line."""
    return list(ApiKey.objects.select_related("unit").order_by("name", "id"))
