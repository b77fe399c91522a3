import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import TokenScope, User
from kamtibmas.accounts.services import api_token_issue


def expiry_parse(text: str) -> datetime.datetime:
    """``90`` (days from now) or ``2027-03-31`` (the end of that day, UTC)."""
    if text.isdigit():
        return timezone.now() + datetime.timedelta(days=int(text))
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            _("--expires takes a number of days or a date YYYY-MM-DD, not “%(text)s”.")
            % {"text": text}
        ) from exc
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=datetime.UTC)


class Command(BaseCommand):
    help = (
        "Print a new API token for USERNAME. Only its hash is stored: copy it now. "
        "It expires after KAMTIBMAS_API_TOKEN_DAYS (90) unless --expires says otherwise, "
        "and may do everything unless --scope narrows it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label to tell tokens apart.")
        parser.add_argument(
            "--expires",
            default=None,
            help="Days from now (e.g. 30) or a date (YYYY-MM-DD, the end of that day UTC).",
        )
        parser.add_argument(
            "--scope",
            action="append",
            default=None,
            help=(
                "What the token may do, repeatable or comma-separated: read (the GET "
                "operations), write (every change), intake (only submitting aspirations "
                f"and loss reports). Default: all ({', '.join(TokenScope.values)})."
            ),
        )

    def handle(
        self,
        *args: Any,
        username: str,
        name: str,
        expires: str | None,
        scope: list[str] | None,
        **options: Any,
    ) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(_("No user named “%(name)s”.") % {"name": username}) from exc
        scopes = None
        if scope is not None:
            scopes = {part.strip() for item in scope for part in item.split(",") if part.strip()}
        try:
            _token, raw = api_token_issue(
                user=user,
                name=name,
                expires_at=expiry_parse(expires) if expires is not None else None,
                scopes=scopes,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(raw)
