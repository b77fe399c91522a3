"""One demo account per role (§2, §8), all with the demo password.

The staff accounts also share one published authenticator key (docs/decisions/026):
a visitor adds ``DEMO_TOTP_SECRET`` to any authenticator app, or runs
``kamtibmas demo_code`` for the current code. Published like the password, so the
demo refuses to run in production.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kamtibmas.accounts.models import Role, User
from kamtibmas.accounts.services import user_create
from kamtibmas.areas.models import Unit

# username, role, unit name (None: no unit), first, last, rank, phone
DEMO_USERS = [
    (
        "kapolres",
        Role.COMMANDER,
        "Polres Metro Bekasi Kota",
        "Hendra",
        "Wijaya",
        "Kombes Pol",
        "081300000001",
    ),
    (
        "bhabin",
        Role.COMMUNITY_OFFICER,
        "Polsek Bekasi Selatan",
        "Agus",
        "Setiawan",
        "Aipda",
        "081300000002",
    ),
    (
        "spkt",
        Role.DESK_OFFICER,
        "Polsek Bekasi Selatan",
        "Rina",
        "Marlina",
        "Brigpol",
        "081300000003",
    ),
    (
        "reskrim",
        Role.HANDLER,
        "Satreskrim Polres Metro Bekasi Kota",
        "Dimas",
        "Pratama",
        "Ipda",
        "081300000004",
    ),
    ("kelurahan", Role.PARTNER, "Kelurahan Kayuringin Jaya", "Sri", "Wahyuni", "", "081300000005"),
    ("admin", Role.ADMIN, None, "Admin", "Sistem", "", ""),
    ("warga", Role.RESIDENT, None, "Budi", "Santoso", "", "081300000007"),
]


DEMO_TOTP_KEY = b"kamtibmas-demo-totp!"
#: The key as authenticator apps take it (base32).
DEMO_TOTP_SECRET = base64.b32encode(DEMO_TOTP_KEY).decode()
DEMO_DEVICE_NAME = "demo authenticator"


def demo_code() -> str:
    """The demo accounts' current 6-digit code."""
    return f"{totp(DEMO_TOTP_KEY):06d}"


def demo_otp_instructions() -> list[str]:
    from django.utils.translation import gettext as _

    return [
        _(
            "Staff accounts then ask for a code: add the key %(secret)s to an authenticator "
            "app, or run “kamtibmas demo_code” for the current one."
        )
        % {"secret": DEMO_TOTP_SECRET}
    ]


def demo_device_give(user: User) -> None:
    """Give a demo staff account the published authenticator key (once)."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(
            user=user, name=DEMO_DEVICE_NAME, key=DEMO_TOTP_KEY.hex(), confirmed=True
        )


def demo_load() -> list[User]:
    users = []
    for username, role, unit_name, first, last, rank, phone in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                username=username,
                role=role,
                unit=Unit.objects.get(name=unit_name) if unit_name else None,
                password=settings.KAMTIBMAS_DEMO_PASSWORD,
                validate=False,
                first_name=first,
                last_name=last,
                rank=rank,
                phone=phone,
            )
        if role != Role.RESIDENT:
            demo_device_give(user)
        users.append(user)
    return users
