"""``kamtibmas aspirations_sweep``: the periodic work of the aspirations capability.

The worker's scheduler runs the same functions on its own (``KAMTIBMAS_PERIODIC_JOBS``);
this command is for a deployment that prefers cron, and for operators who want to
run a sweep now. Both are safe to run at any time and any number of times.
"""

from typing import Any

from django.core.management.base import BaseCommand

from kamtibmas.aspirations.services import aspirations_sla_sweep, surveys_send_due


class Command(BaseCommand):
    help = (
        "Escalate overdue cases to their commanders and send the follow-up "
        "questionnaires that are due. Safe to run repeatedly."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        escalated = aspirations_sla_sweep()
        asked = surveys_send_due()
        self.stdout.write(f"escalated={escalated} questionnaires={asked}")
