"""Whole public pages kept a few seconds for anonymous visitors (§9 P2).

``@page_cached(version=...)`` on a public view keeps its rendered answer in this
process's ``caches["pages"]`` for ``KAMTIBMAS_PAGE_CACHE_SECONDS`` (0: never kept), as
``open311.views._list_requests`` keeps its lists.

**Key.** Scheme, host, path with query string (pages write absolute URLs and a
``next`` of their own path), the active language (``ChosenLanguageMiddleware``: the
``kamtibmas_language`` cookie, else Indonesian) and the *version of the data the page
shows*, read on every request (``dialogues_public_version``, ``public_cases_version``
...: one cheap statement). A change through the services gives a new version, so
the next request renders afresh; the timeout only bounds what the version does not
see (areas, units, types, edits outside the services, deletions, time passing).

**How fresh.** The version itself is asked at most once per
``KAMTIBMAS_PAGE_VERSION_SECONDS`` (1) per process and page: on PostgreSQL one
statement is a round trip to another process on the same cores, and would cost a
kept page half its speed (§9 P2). A change shows within that second.

**Who.** Only GET and HEAD without a session or messages cookie, from an anonymous
user, whose query parameters are all among the view's ``params`` (other parameters
would only fill the cache). Everyone else gets the view itself, and their answer is
never kept: nothing of a signed-in user or of a session reaches the cache.

**Nothing per visitor is kept.** While the cache renders a page,
``{% page_csrf_token %}`` (the language switch) writes a placeholder that each
answer, fresh or kept, replaces with the visitor's own CSRF token (which also sets
their CSRF cookie, as rendering would). An answer is not kept when the view set a
cookie or its own Cache-Control, touched the session, asked for the real CSRF token
or a CSP nonce (a kept page would carry one visitor's token, or a nonce that no
later header matches), did not answer 200 or is larger than ``PAGE_MAX_BYTES``.

**Headers.** The view's own headers are kept with the body; middleware adds the rest
(CSP, Content-Language, Vary, security headers) to kept answers as to fresh ones.
Every answer through here is ``Cache-Control: private, no-cache`` (it holds the
visitor's CSRF token; browsers ask again, so changes show at once) and varies on
``Cookie`` (the language).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import format_html
from django.utils.safestring import SafeString

PAGE_CACHE = "pages"
# §9 P9 holds a public page to 150 KB with its assets; a larger answer is not kept.
PAGE_MAX_BYTES = 150_000

# Random per process, so that no text written into a page can imitate it.
_CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"
_CSRF_PLACEHOLDER_BYTES = _CSRF_PLACEHOLDER.encode()
_RENDERING = "_kamtibmas_page_cache_rendering"

View = Callable[..., HttpResponse]
Version = Callable[..., str | None]

# (version function, view arguments) -> (when asked, the answer), this process.
_versions: dict[tuple[Any, ...], tuple[float, str]] = {}
_versions_lock = threading.Lock()
# Pages with arguments (an event's id) each have a version: forget them beyond this.
_VERSIONS_KEPT = 10_000


def rendering(request: HttpRequest | None) -> bool:
    """Whether the page cache is rendering this request's page (to keep it)."""
    return getattr(request, _RENDERING, False)


def csrf_placeholder_input() -> SafeString:
    """The hidden CSRF field of a page being kept: each answer gets its own token."""
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', _CSRF_PLACEHOLDER
    )


def page_cached(
    *, version: Version | None = None, params: Iterable[str] = ()
) -> Callable[[View], View]:
    """Keep the view's anonymous answers (see the module).

    ``version(**view_kwargs)`` gives the version of the data the page shows; ``None``
    (nothing to show, e.g. an unknown id) lets the view answer uncached. Without
    ``version`` the page shows no data (only code and translations, which a restart
    renews). ``params``: the query parameters the page reads.
    """
    allowed = frozenset(params)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            seconds: int = settings.KAMTIBMAS_PAGE_CACHE_SECONDS
            if not seconds or not _anonymous_read(request, allowed):
                return _headers(view(request, *args, **kwargs))
            data_version = "" if version is None else _recent_version(version, kwargs)
            if data_version is None:
                return _headers(view(request, *args, **kwargs))
            key = _key(request, data_version)
            kept = caches[PAGE_CACHE].get(key)
            if kept is not None:
                status, headers, content = kept
                response = HttpResponse(status=status, headers=headers)
                response.content = _personal(request, content)
                return _headers(response)
            response = _render(view, request, *args, **kwargs)
            if _keepable(request, response):
                caches[PAGE_CACHE].set(
                    key, (response.status_code, list(response.items()), response.content), seconds
                )
            response.content = _personal(request, response.content)
            return _headers(response)

        return wrapper

    return decorator


def _recent_version(version: Version, kwargs: dict[str, Any]) -> str | None:
    """``version(**kwargs)``, asked at most once per KAMTIBMAS_PAGE_VERSION_SECONDS."""
    seconds: float = settings.KAMTIBMAS_PAGE_VERSION_SECONDS
    if not seconds:
        return version(**kwargs)
    key = (version, *sorted(kwargs.items()))
    now = time.monotonic()
    found = _versions.get(key)
    if found is not None and now - found[0] < seconds:
        return found[1]
    answer = version(**kwargs)
    if answer is not None:  # unknown ids are not remembered: anyone can ask for many
        with _versions_lock:
            if len(_versions) >= _VERSIONS_KEPT:
                _versions.clear()
            _versions[key] = (now, answer)
    return answer


def _anonymous_read(request: HttpRequest, allowed: frozenset[str]) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or CookieStorage.cookie_name in cookies:
        return False
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    return all(name in allowed for name in request.GET)


def _key(request: HttpRequest, data_version: str) -> str:
    asked = "\0".join(
        (
            request.scheme or "",
            request.get_host(),
            request.get_full_path(),
            translation.get_language() or "",
            data_version,
        )
    )
    return f"page:{hashlib.sha256(asked.encode()).hexdigest()}"


def _render(view: View, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    setattr(request, _RENDERING, True)
    try:
        response = view(request, *args, **kwargs)
        render = getattr(response, "render", None)
        if render is not None and not getattr(response, "is_rendered", True):
            render()
    finally:
        delattr(request, _RENDERING)
    return response


def _keepable(request: HttpRequest, response: HttpResponse) -> bool:
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Cache-Control")
        and len(response.content) <= PAGE_MAX_BYTES
        # The real token of this visitor is in the page (a form without the tag).
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and getattr(request, "_csp_nonce", None) is None
        # Anonymous visitors have an empty session; one written to is their own.
        and not (session is not None and session.modified)
    )


def _personal(request: HttpRequest, content: bytes) -> bytes:
    """The page with this visitor's own CSRF token in place of the placeholder."""
    if _CSRF_PLACEHOLDER_BYTES not in content:
        return content
    return content.replace(_CSRF_PLACEHOLDER_BYTES, get_token(request).encode())


def _headers(response: HttpResponse) -> HttpResponse:
    if not response.has_header("Cache-Control"):
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response
