"""Language selection: Indonesian unless the visitor chose another language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers


class ChosenLanguageMiddleware:
    """Activate the language chosen with the switch (its cookie), else Indonesian.

    Unlike Django's ``LocaleMiddleware`` this ignores the browser's
    ``Accept-Language``: many residents and officers use phones set to English while
    reading Indonesian best, and the product's default is Indonesian (§4 C7). The
    switch on every page sets the cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        try:
            language = translation.get_supported_language_variant(chosen)
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        try:
            response = self.get_response(request)
        finally:
            # Threads are reused between requests (and by tests): leave no language behind.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


class PersonalPagesNoStoreMiddleware:
    """``Cache-Control: private, no-store`` on every answer to a signed-in user or an
    API client (SECURITY.md 12): what staff and residents see once signed in holds
    personal data, and no browser cache, proxy or shared phone may keep a copy.

    A view that chose its own caching for such a request keeps ``private`` and gains
    ``no-store``; anonymous public pages are left to their views (and ``pagecache``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or "HTTP_AUTHORIZATION" in request.META:
            patch_cache_control(response, private=True, no_store=True)
        return response
