"""The decorator arguments every operation of the API shares."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from kamtibmas.api.errors import ERROR_RESPONSES
from kamtibmas.api.idempotency import IDEMPOTENT


def operation(
    name: str,
    summary: str,
    *,
    schema: Any,
    ok: int = 200,
    errors: dict[int, type[Schema]] = ERROR_RESPONSES,
    idempotent: bool = False,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The decorator arguments of an operation named ``name`` (``<Entity><Verb>``): its
    OpenAPI id and URL name, the error shape for every failure status, the
    ``Idempotency-Key`` header where it is honoured (every create), and any further
    OpenAPI (``extra``, e.g. a binary download's content type)."""
    arguments: dict[str, Any] = {
        "response": {ok: schema, **errors},
        "operation_id": name,
        "url_name": name,
        "summary": summary,
    }
    openapi_extra = {**(IDEMPOTENT if idempotent else {}), **(extra or {})}
    if openapi_extra:
        arguments["openapi_extra"] = openapi_extra
    return arguments
