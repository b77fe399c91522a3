"""Writes of the accounts app: users, roles and API tokens."""

from __future__ import annotations

import datetime
import functools
import math
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kamtibmas.accounts.models import STAFF_ROLES, ApiToken, Role, TokenScope, User
from kamtibmas.accounts.selectors import otp_device_of, recovery_device_of
from kamtibmas.accounts.tokens import (
    recovery_code_digest,
    recovery_code_generate,
    token_digest,
    token_generate,
)
from kamtibmas.areas.models import Unit
from kamtibmas.core.reference import stamp_prefetched, stamp_subquery
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.fields import KeyedEncryptionMixin
from kamtibmas.privacy.identifiers import normalise_phone


def user_create(
    *,
    username: str,
    role: Role,
    unit: Unit | None,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    rank: str = "",
    nrp: str = "",
    phone: str = "",
    validate: bool = True,
) -> User:
    """Create a user with a role and a unit (``user_set_role`` decides admin access).

    ``validate=False`` skips the password policy (demo accounts only).
    """
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        rank=rank,
        nrp=nrp,
        is_superuser=False,
    )
    user_set_role(user=user, role=role, unit=unit, save=False)
    user_set_phone(user=user, phone=phone, save=False)
    if password is None:
        user.set_unusable_password()
    else:
        if validate:
            validate_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


# The roles that may open the admin site (``is_staff``).
ADMIN_SITE_ROLES = frozenset({Role.ADMIN, Role.COMMANDER})


def user_set_role(*, user: User, role: Role, unit: Unit | None, save: bool = True) -> User:
    """Give ``user`` a role and a unit. Staff roles other than administrator need a
    unit; admin-site access (``is_staff``) follows the role: administrators and
    commanders only, so a demoted commander loses it.
    """
    if role in STAFF_ROLES and role != Role.ADMIN and unit is None:
        raise ValidationError(_("Staff users must belong to a unit."), code="unit_required")
    user.role = role
    user.unit = unit
    user.is_staff = role in ADMIN_SITE_ROLES
    if save:
        user.save(update_fields=["role", "unit", "is_staff"])
    return user


def user_set_phone(*, user: User, phone: str, save: bool = True) -> User:
    """Store the phone encrypted, with its blind index for exact lookups."""
    if phone:
        normalised = normalise_phone(phone)
        user.phone = normalised
        user.phone_index = blind_index("phone", normalised)
    else:
        user.phone = None
        user.phone_index = None
    if save:
        user.save(update_fields=["phone", "phone_index"])
    return user


def api_token_issue(
    *,
    user: User,
    name: str = "",
    expires_at: datetime.datetime | None = None,
    scopes: Iterable[str] | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the record and the raw token, shown once.

    It expires at ``expires_at`` (default: ``KAMTIBMAS_API_TOKEN_DAYS`` from now) and
    allows ``scopes`` (``TokenScope`` values; default: all of them).
    """
    if not user.is_active:
        raise ValidationError(_("Inactive users cannot receive API tokens."), code="inactive")
    now = timezone.now()
    if expires_at is None:
        expires_at = now + datetime.timedelta(days=settings.KAMTIBMAS_API_TOKEN_DAYS)
    elif expires_at <= now:
        raise ValidationError(_("A token must expire in the future."), code="expired")
    chosen = set(TokenScope.values if scopes is None else scopes)
    unknown = chosen - set(TokenScope.values)
    if unknown or not chosen:
        raise ValidationError(
            _("Choose scopes among: %(scopes)s.") % {"scopes": ", ".join(TokenScope.values)},
            code="scope",
        )
    raw = token_generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:8],
        digest=token_digest(raw),
        expires_at=expires_at,
        scopes=" ".join(sorted(chosen)),
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


#: When this process last wrote ``last_used_at`` of a token, by digest (monotonic s).
_last_recorded: dict[str, float] = {}


def api_token_authenticate(raw: str) -> User | None:
    """The active user an unexpired, unrevoked token belongs to, or ``None``. Records
    when a staff member's token was used; never a resident's, which sends anonymous
    reports: the time would tie the account to one (SECURITY.md 14). The user's
    ``api_token_scopes`` holds what the token allows.

    One query (a token and its user) read with a cursor: authentication runs before
    every API request, and the ORM spent four times the database's time composing
    and reading this one. The encrypted phone and email are left deferred (read if
    asked for). The same query reads the reference data's stamp for the request's
    snapshot (``core.reference.stamp_prefetched``): one round trip fewer.
    """
    if not raw or not raw.startswith("kmt_"):
        return None
    digest = token_digest(raw)
    sql, fields, converters = _user_by_token_query(connection.alias)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest, now])
        row = cursor.fetchone()
    if row is None:
        return None
    *columns, token_id, scopes, stamp = row
    stamp_prefetched(stamp)
    values = []
    for value, field, field_converters in zip(columns, fields, converters, strict=True):
        for converter in field_converters:
            value = converter(value, field, connection)
        values.append(value)
    user = User.from_db(connection.alias, [field.attname for field in fields], values)
    if not user.is_active:
        return None
    user.api_token_scopes = frozenset(scopes.split())
    # Written at most once a minute per token and process: not on every request.
    clock = time.monotonic()
    if user.role != Role.RESIDENT and clock - _last_recorded.get(digest, -math.inf) > 60:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token_id).update(last_used_at=timezone.now())
        _last_recorded[digest] = clock
    return user


def api_token_allows(scopes: frozenset[str], needed: TokenScope) -> bool:
    """Whether a token with ``scopes`` may run an operation needing ``needed``:
    ``write`` covers ``intake``."""
    return needed in scopes or (needed == TokenScope.INTAKE and TokenScope.WRITE in scopes)


@functools.cache
def _user_by_token_query(alias: str) -> tuple[str, tuple[Any, ...], tuple[tuple[Any, ...], ...]]:
    """The statement, the user's fields it reads (all but the encrypted ones) and
    their converters from database values."""
    conn = connections[alias]
    quote = conn.ops.quote_name
    users, tokens = quote(User._meta.db_table), quote(ApiToken._meta.db_table)
    fields: tuple[Any, ...] = tuple(
        field for field in User._meta.concrete_fields if not isinstance(field, KeyedEncryptionMixin)
    )
    converters = tuple(
        tuple(conn.ops.get_db_converters(field.get_col(User._meta.db_table)))
        + tuple(field.get_db_converters(conn))
        for field in fields
    )
    columns = ", ".join(f"{users}.{quote(field.column)}" for field in fields)
    # On PostgreSQL the reference data's stamp comes along: the request's snapshot
    # needs it next (on SQLite the snapshot reads it inside the write transaction).
    stamp = f", {stamp_subquery()}" if conn.vendor == "postgresql" else ", NULL"
    sql = (
        f"SELECT {columns}, {tokens}.id, {tokens}.scopes{stamp} FROM {tokens} "  # noqa: S608
        f"JOIN {users} ON {users}.id = {tokens}.user_id "
        f"WHERE {tokens}.digest = %s AND {tokens}.revoked_at IS NULL "
        f"AND {tokens}.expires_at > %s"
    )
    return sql, fields, converters


#: How many recovery codes a user holds after enrolment or regeneration.
RECOVERY_CODES = 10


def otp_enrol_start(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator device ``user`` is enrolling (made on first call).

    Refused once a confirmed one exists: a second device is added by an administrator
    removing the first, never by whoever holds the password.
    """
    if otp_device_of(user) is not None:
        raise ValidationError(_("An authenticator is already set up."), code="enrolled")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def otp_enrol_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the device being enrolled with a ``code`` from the app; returns it and
    the new recovery codes (shown once), or ``None`` when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or otp_device_of(user) is not None:
        return None
    if not device.verify_token(code.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device, recovery_codes_issue(user=user)


@transaction.atomic
def recovery_codes_issue(*, user: User) -> list[str]:
    """Replace ``user``'s recovery codes with ``RECOVERY_CODES`` new ones, each good
    once. Only their digests are stored (SECURITY.md 11); the codes are shown once."""
    device = recovery_device_of(user)
    if device is None:
        device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    device.token_set.all().delete()
    codes = [recovery_code_generate() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=recovery_code_digest(code)) for code in codes
    )
    return codes


def otp_check(*, user: User, code: str) -> Device | None:
    """The device that accepts ``code`` for ``user``: the authenticator's current code,
    or a recovery code (used up by this). ``None`` when neither does."""
    code = code.strip()
    digits = code.replace(" ", "")
    with transaction.atomic():
        device = otp_device_of(user)
        if device is not None and digits.isdigit():
            locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            if locked.verify_token(digits):
                return locked
        recovery = recovery_device_of(user)
        if (
            recovery is not None
            and not digits.isdigit()
            and recovery.verify_token(recovery_code_digest(code))
        ):
            return recovery
    return None


def otp_login(*, request: Any, device: Device) -> None:
    """Mark the session of ``request`` as past its second factor, under a new key."""
    request.session.cycle_key()
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def user_find_by_phone(phone: str) -> Any:
    """Users whose phone equals ``phone`` in any written form (blind-index lookup)."""
    return User.objects.filter(phone_index=blind_index("phone", normalise_phone(phone)))
