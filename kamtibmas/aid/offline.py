"""What an officer's phone keeps to hand out aid without a connection (issue 8
point 4): the "offline list" of one program at one location.

The list holds what the hand-out page needs to find a household and judge it:
the head's name, RT/RW, members and children, what the household already received
in this program, and, to find a household by the KK number or card a resident
shows, salted SHA-256 digests of the KK number and card code, never the numbers
themselves. The salt is new for every list, so digests of two lists cannot be
compared. The server stays the judge: an entry synced later is checked by
``aid_handout_record`` like any other, and a household served elsewhere in the
meantime is refused with the reason.

The phone keeps a list to the end of the program's last day, and never past the end
of the ``OFFLINE_LIST_DAYS``-th day after the day it was downloaded (``keep_until``
in the list, in the program's zone; the page deletes a list past it). A program that
has ended gets no list: no hand-out can be recorded in it any more.

Names leave the server here, so the list is audited (one READ per household) and
bounded: a program's areas beyond ``OFFLINE_LIST_CAP`` households must be narrowed
to an RW or RT. ``households_for_phone`` does that choosing, auditing and salting for
every list of households a phone keeps: this one and the household lookup of the
field app (``web.field``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import User
from kamtibmas.aid.models import AidItem, AidLocation, AidProgram, Handout, Household
from kamtibmas.aid.services import stock_balances
from kamtibmas.areas.models import Area, AreaLevel, within_q
from kamtibmas.core.scope import visible_to
from kamtibmas.core.timefmt import format_local, format_local_date, local_today, resolve_zone
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record_many

#: The most households one offline list holds.
OFFLINE_LIST_CAP = 3_000
#: Changes when the list's shape changes; the page drops lists of another version
#: (2: ``keep_until``; the lists of version 1 on phones had no end).
OFFLINE_LIST_VERSION = 2
#: A phone keeps an offline list to the end of the program's last day, but never
#: past the end of this many days after the day it was downloaded: a distribution
#: at a site without signal may last a few days, and a lost phone should not hold a
#: kelurahan's names for longer than that. Downloading it again (online) moves the
#: end on. Less than the 7 days an offline hand-out may wait to be sent
#: (``aid.services.SYNC_WINDOW``).
OFFLINE_LIST_DAYS = 3


def program_households(program: AidProgram, user: User) -> models.QuerySet[Household]:
    """The households of the program's areas that the officer may see."""
    return visible_to(
        Household.objects.filter(within_q(list(program.areas.all()), "area__")), user
    ).select_related("area__parent")


def household_place(area: Area) -> str:
    """``RT 003 / RW 024`` as deep as the household's address is known."""
    if area.level == AreaLevel.RT and area.parent is not None:
        return f"{area.name} / {area.parent.name}"
    return area.name


def salted_digest(salt: str, value: str) -> str:
    """What the page computes from a typed KK number or card code (normalised)."""
    return hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()


@dataclass(frozen=True)
class PhoneHouseholds:
    """Households chosen for a phone's offline list, with the list's own salt."""

    salt: str
    households: list[Household]

    def entry(self, household: Household) -> dict[str, Any]:
        """What every such list says of a household: never the KK number in clear."""
        return {
            "id": household.pk,
            "name": household.head_name,
            "place": household_place(household.area),
            "kk": salted_digest(self.salt, household.kk_number),
            "kk_end": household.kk_number[-4:],
        }


def households_for_phone(
    *,
    actor: User,
    households: models.QuerySet[Household],
    reason: str,
    fields: tuple[str, ...] = ("head_name",),
) -> PhoneHouseholds:
    """At most ``OFFLINE_LIST_CAP`` of ``households`` (already scoped to ``actor``),
    with a new salt; ``ValidationError`` (on ``area``) beyond the cap. Each household
    gets an audit READ of ``fields`` under ``reason``: they leave the server."""
    chosen = list(households.order_by("area__code", "pk")[: OFFLINE_LIST_CAP + 1])
    if len(chosen) > OFFLINE_LIST_CAP:
        raise ValidationError(
            {
                "area": _("More than %(cap)d households: choose an RW or RT for the offline list.")
                % {"cap": OFFLINE_LIST_CAP}
            }
        )
    with transaction.atomic():
        audit_record_many(
            actor=actor,
            action=AuditAction.READ,
            subjects=chosen,
            reason=reason,
            fields=list(fields),
        )
    return PhoneHouseholds(salt=secrets.token_hex(16), households=chosen)


def _refusal(program: AidProgram, served: list[Handout]) -> str:
    """Why the household may not receive again, as of now; ``""`` when it may."""
    if not served:
        return ""
    last = served[0]
    if len(served) >= program.packages_per_household:
        return _("Already received on %(day)s at %(location)s.") % {
            "day": format_local_date(last.local_day),
            "location": last.location.name,
        }
    if program.min_days_between:
        next_day = last.local_day + timedelta(days=program.min_days_between)
        if local_today(program.unit.area) < next_day:
            return _("Received on %(day)s; the next package from %(next)s.") % {
                "day": format_local_date(last.local_day),
                "next": format_local_date(next_day),
            }
    return ""


def offline_list_last_day(program: AidProgram, now: datetime) -> date:
    """The last day (in the program's zone) a list downloaded ``now`` is kept: the
    program's last day, or the ``OFFLINE_LIST_DAYS``-th day after today if earlier."""
    today = now.astimezone(_zone(program)).date()
    return min(program.ends_on, today + timedelta(days=OFFLINE_LIST_DAYS))


def _zone(program: AidProgram) -> ZoneInfo:
    return ZoneInfo(resolve_zone(program.unit.area).value)


def offline_list(
    *, actor: User, program: AidProgram, location: AidLocation, area: Area | None = None
) -> dict[str, Any]:
    """The offline list as JSON-ready data; ``ValidationError`` (on ``area``) when it
    would hold more than ``OFFLINE_LIST_CAP`` households, or when the program has
    ended. Audited."""
    now = timezone.now()
    if program.ends_on < now.astimezone(_zone(program)).date():
        raise ValidationError(
            _("The program runs from %(start)s to %(end)s.")
            % {
                "start": format_local_date(program.starts_on),
                "end": format_local_date(program.ends_on),
            }
        )
    last_day = offline_list_last_day(program, now)
    keep_until = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=_zone(program))
    households = program_households(program, actor)
    if area is not None:
        households = households.filter(within_q([area], "area__"))
    listed = households_for_phone(
        actor=actor, households=households, reason="aid hand-out: offline list"
    )
    chosen, salt = listed.households, listed.salt
    served: dict[int, list[Handout]] = defaultdict(list)
    for handout in (
        Handout.objects.filter(program=program, household__in=[h.pk for h in chosen])
        .select_related("location")
        .order_by("-handed_at")
    ):
        served[handout.household_id].append(handout)
    items = list(AidItem.objects.filter(program=program))
    balances = stock_balances(program)
    return {
        "version": OFFLINE_LIST_VERSION,
        "generated_at": now.isoformat(timespec="seconds"),
        "generated_label": format_local(now, zone=program.unit.area),
        "keep_until": keep_until.isoformat(timespec="seconds"),
        "keep_until_label": format_local_date(last_day),
        "salt": salt,
        "program": {
            "id": program.pk,
            "name": program.name,
            "packages_per_household": program.packages_per_household,
        },
        "location": {"id": location.pk, "name": location.name},
        "items": [
            {
                "id": item.pk,
                "name": item.name,
                "measure": item.measure,
                "per_household": item.per_household,
                "per_child": item.per_child,
                "balance": balances.get((item.pk, location.pk), 0),
            }
            for item in items
        ],
        "households": [
            {
                **listed.entry(household),
                "members": household.members,
                "children": household.children,
                "card": salted_digest(salt, household.card_code) if household.card_code else "",
                "refused": _refusal(program, served[household.pk]),
            }
            for household in chosen
        ],
    }
