"""REST API v1 (§6), mounted at ``/api/v1/``. The routers of each app are mounted in
``kamtibmas.api.v1``; here every view of it is wrapped to answer in the client's
language and in the API's error shape, and unknown paths answer JSON 404."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt

from kamtibmas.api.errors import method_not_allowed, not_found_response
from kamtibmas.api.language import View, with_api_language
from kamtibmas.api.v1 import api


def _api_view(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = method_not_allowed(view(request, *args, **kwargs))
        # Answers carry unit records and personal data: no shared or browser cache keeps
        # them (SECURITY.md 12).
        if "Cache-Control" not in response.headers:
            patch_cache_control(response, no_store=True, private=True)
        return response

    return with_api_language(wrapper)


def _wrapped(patterns: list[URLPattern | URLResolver]) -> list[URLPattern]:
    wrapped = []
    for pattern in patterns:
        assert isinstance(pattern, URLPattern), pattern
        wrapped.append(
            URLPattern(
                pattern.pattern, _api_view(pattern.callback), pattern.default_args, pattern.name
            )
        )
    return wrapped


# Unpacked under other names: a module-level ``app_name`` would namespace this module.
_patterns, _app_name, _namespace = api.urls

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include((_wrapped(_patterns), _app_name), namespace=_namespace)),
    # Not ".": a path may hold an encoded line break.
    re_path(r"^[\s\S]*$", csrf_exempt(with_api_language(not_found_response)), name="api-not-found"),
]
