"""Staff pages of dialogues: list and calendar, capture form, the dialogue page."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
