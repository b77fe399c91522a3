"""Writes of the accounts app: users, roles and API tokens."""

from __future__ import annotations

import functools
import math
import time
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kamtibmas.accounts.models import STAFF_ROLES, ApiToken, Role, User
from kamtibmas.accounts.tokens import token_digest, token_generate
from kamtibmas.areas.models import Unit
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


def api_token_issue(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the record and the raw token, shown once."""
    if not user.is_active:
        raise ValidationError(_("Inactive users cannot receive API tokens."), code="inactive")
    raw = token_generate()
    token = ApiToken.objects.create(user=user, name=name, prefix=raw[:8], digest=token_digest(raw))
    return token, raw


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


#: When this process last wrote ``last_used_at`` of a token, by digest (monotonic s).
_last_recorded: dict[str, float] = {}


def api_token_authenticate(raw: str) -> User | None:
    """The active user a token belongs to, or ``None``. Records when it was used.

    One query (a token and its user) read with a cursor: authentication runs before
    every API request, and the ORM spent four times the database's time composing
    and reading this one. The encrypted phone is left deferred (read if asked for).
    """
    if not raw or not raw.startswith("kmt_"):
        return None
    digest = token_digest(raw)
    sql, fields, converters = _user_by_token_query(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    *columns, token_id = row
    values = []
    for value, field, field_converters in zip(columns, fields, converters, strict=True):
        for converter in field_converters:
            value = converter(value, field, connection)
        values.append(value)
    user = User.from_db(connection.alias, [field.attname for field in fields], values)
    if not user.is_active:
        return None
    # Written at most once a minute per token and process: not on every request.
    clock = time.monotonic()
    if clock - _last_recorded.get(digest, -math.inf) > 60:
        with transaction.atomic():
            ApiToken.objects.filter(pk=token_id).update(last_used_at=timezone.now())
        _last_recorded[digest] = clock
    return user


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
    sql = (
        f"SELECT {columns}, {tokens}.id FROM {tokens} "  # noqa: S608 (names)
        f"JOIN {users} ON {users}.id = {tokens}.user_id "
        f"WHERE {tokens}.digest = %s AND {tokens}.revoked_at IS NULL"
    )
    return sql, fields, converters


def user_find_by_phone(phone: str) -> Any:
    """Users whose phone equals ``phone`` in any written form (blind-index lookup)."""
    return User.objects.filter(phone_index=blind_index("phone", normalise_phone(phone)))
