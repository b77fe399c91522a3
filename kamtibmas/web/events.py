"""Public pages of dialogues: /events/, one event, the iCalendar feed, QR check-in."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
