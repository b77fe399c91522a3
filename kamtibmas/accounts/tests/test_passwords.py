"""Password policy and hashing (SECURITY.md 10)."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import (
    get_default_password_validators,
    validate_password,
)
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client

from kamtibmas.accounts.models import Role, User
from kamtibmas.config.settings import base

PASSPHRASE_64 = "a long passphrase for the night patrol in RW 024, kayuringin ok!"


@pytest.fixture
def production_hashers(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    cache.clear()


def test_argon2_hashes_new_passwords(production_hashers):
    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = User(username="baru", role=Role.RESIDENT)
    user.set_password(PASSPHRASE_64)
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_an_older_hash_becomes_argon2_at_the_next_sign_in(production_hashers):
    user = User.objects.create(
        username="lama",
        role=Role.RESIDENT,
        password=make_password("kopi tubruk pagi", hasher="pbkdf2_sha256"),
    )
    assert user.password.startswith("pbkdf2_sha256$")
    response = Client().post(
        "/accounts/login/", {"username": "lama", "password": "kopi tubruk pagi"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.django_db
def test_a_64_character_passphrase_is_accepted_and_signs_in(production_hashers):
    assert len(PASSPHRASE_64) == 64
    user = User(username="panjang", role=Role.RESIDENT)
    validate_password(PASSPHRASE_64, user)
    user.set_password(PASSPHRASE_64)
    user.save()
    response = Client().post("/accounts/login/", {"username": "panjang", "password": PASSPHRASE_64})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("kopi123", "password_too_short"),
        ("password123", "password_too_common"),
        ("qwertyuiop", "password_too_common"),
        ("38217465019", "password_entirely_numeric"),
        ("budisantoso1", "password_too_similar"),
        ("x" * 100 + "y" * 29, "password_too_long"),
    ],
)
def test_weak_or_oversized_passwords_are_refused(password, code):
    user = User(username="budisantoso", first_name="Budi", last_name="Santoso")
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)
    assert code in {error.code for error in refused.value.error_list}


def test_128_characters_are_the_most_allowed():
    validate_password("kata sandi panjang " * 6 + "ab", User(username="x"))  # 116
    validate_password(("z7" * 64), User(username="x"))  # 128
    assert len("z7" * 64) == 128


def test_the_test_settings_do_not_hide_the_production_validators():
    names = [type(v).__name__ for v in get_default_password_validators()]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "MaximumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
