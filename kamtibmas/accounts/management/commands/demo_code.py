from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kamtibmas.accounts.demo import demo_code


class Command(BaseCommand):
    help = (
        "Print the current sign-in code of the demo staff accounts (their shared, "
        "published authenticator key). Not in production."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(_("The demo's published key is not used in production."))
        self.stdout.write(demo_code())
