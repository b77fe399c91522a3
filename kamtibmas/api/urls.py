"""REST API v1 (§6). The routers of each app are mounted in ``kamtibmas.api.v1``."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
