"""The language of an API answer: the client's ``Accept-Language`` (id or en), else
Indonesian.

The web pages ignore ``Accept-Language`` (``core.middleware``) because residents
read them on phones set to English; an API client states what it wants, so the API
honours it. Every view of the API runs inside ``translation.override`` of that
language, so the messages of services, schemas and error handlers agree.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers

View = Callable[..., HttpResponseBase]

MAX_LANGUAGE_RANGES = 20


def _ranked(header: str) -> list[str]:
    """Language tags of an ``Accept-Language`` header, most wanted first (RFC 9110 §12.5.4)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:MAX_LANGUAGE_RANGES]):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _quality, _position, tag in sorted(ranked)]


def api_language(request: HttpRequest) -> str:
    """The first language of ``Accept-Language`` that we speak; Indonesian otherwise."""
    for tag in _ranked(request.headers.get("Accept-Language", "")):
        try:
            return translation.get_supported_language_variant(tag)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def with_api_language(view: View) -> View:
    """Run ``view`` in the language the client asked for and say so in the answer."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        language = api_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = view(request, *args, **kwargs)
        response.headers["Content-Language"] = language
        patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapper
