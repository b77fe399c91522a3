"""The demo data steps, in order. Each later capability appends its own step.

A step is a function without arguments that creates its demo data if missing
and returns it; running the demo twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

DEMO_STEPS = [
    "kamtibmas.areas.demo.demo_load",
    "kamtibmas.accounts.demo.demo_load",
    "kamtibmas.engagements.demo.demo_load",
    "kamtibmas.aspirations.demo.demo_load",
    "kamtibmas.certificates.demo.demo_load",
    "kamtibmas.aid.demo.demo_load",
]


def demo_steps() -> list[tuple[str, Callable[[], Any]]]:
    steps = []
    for dotted in DEMO_STEPS:
        module, name = dotted.rsplit(".", 1)
        steps.append((dotted, getattr(import_module(module), name)))
    return steps
