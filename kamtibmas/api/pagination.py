"""Keyset pagination: stable pages while records are added, no ``COUNT``, no ``OFFSET``.

A list ordered newest first by ``(field, pk)`` descending is cut after ``limit``
rows; the opaque cursor names the last row shown, and the next page starts just
below it. The cursor only narrows a queryset that is already scoped to the caller,
so a forged one can reveal nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

M = TypeVar("M", bound=models.Model)

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page(Generic[M]):
    items: list[M]
    next_cursor: str | None


def _encode(value: datetime, pk: int) -> str:
    raw = json.dumps([value.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError(cursor)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValidationError(
            {
                "cursor": ValidationError(
                    _("This cursor is not valid: start again from the first page."),
                    code="invalid_cursor",
                )
            }
        ) from exc
    return moment, pk


def keyset_page(
    queryset: models.QuerySet[M], *, field: str, cursor: str | None, limit: int
) -> Page[M]:
    """One page of ``queryset``, which must be ordered by ``-field, -pk``."""
    if cursor:
        value, pk = _decode(cursor)
        queryset = queryset.filter(
            models.Q(**{f"{field}__lt": value}) | models.Q(**{field: value, "pk__lt": pk})
        )
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    last = rows[limit - 1]
    return Page(items=rows[:limit], next_cursor=_encode(getattr(last, field), last.pk))
