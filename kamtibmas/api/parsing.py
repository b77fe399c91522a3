"""Reading request bodies and query strings: strict JSON, and no text the database
cannot store.

``NaN`` and ``Infinity`` are not JSON (RFC 8259) and are refused. A NUL character is
refused anywhere in the input: PostgreSQL cannot store it in a text column and would
fail the request late, with a 500, after validation had passed. So is half of a
surrogate pair (``"\\ud800"`` is valid JSON): no database can encode it as UTF-8.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser
from ninja.types import DictStrAny


class UnstorableText(ValueError):
    """The input holds a character no text column can store (NUL)."""


class UnpairedSurrogate(UnstorableText):
    """The input holds half of a UTF-16 surrogate pair, which is no character."""


class NotJson(ValueError):
    """A constant that Python's ``json`` accepts but JSON does not (``NaN``, ``Infinity``)."""


_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_constant(name: str) -> NoReturn:
    raise NotJson(name)


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise UnstorableText
        if _SURROGATE.search(value):
            raise UnpairedSurrogate
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> DictStrAny:
        data = json.loads(request.body, parse_constant=_refuse_constant)
        _check_text(data)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> DictStrAny:
        for key, values in data.lists():
            _check_text(key)
            _check_text(values)
        return super().parse_querydict(data, list_fields, request)
