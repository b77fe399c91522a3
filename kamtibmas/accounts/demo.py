"""One demo account per role (§2, §8), all with the demo password."""

from __future__ import annotations

from django.conf import settings

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
        users.append(user)
    return users
