"""Encrypted model fields for personal data (SECURITY.md 1, 3).

Built on Jazzband's ``django-fernet-encrypted-fields`` (Fernet: AES-128-CBC with
HMAC-SHA256, through ``cryptography``). We change two things and document why in
docs/decisions/003-encrypted-fields.md:

* keys come from ``settings.FIELD_ENCRYPTION_KEYS`` (Fernet keys, newest first)
  instead of being derived from ``SECRET_KEY``, so the encryption key is separate
  from Django's signing key and can be rotated on its own;
* a value that no configured key decrypts raises instead of silently returning
  the ciphertext.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.core.validators import validate_email
from django.db import models
from django.dispatch import receiver
from encrypted_fields import fields as upstream

_crypter_cache: dict[tuple[str, ...], MultiFernet] = {}


class DecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def field_crypter() -> MultiFernet:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty.")
    crypter = _crypter_cache.get(keys)
    if crypter is None:
        try:
            crypter = MultiFernet([Fernet(key) for key in keys])
        except ValueError as exc:
            raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS: {exc}") from exc
        _crypter_cache.clear()
        _crypter_cache[keys] = crypter
    return crypter


def forget_cached_keys() -> None:
    """Make the next encryption or decryption read ``FIELD_ENCRYPTION_KEYS`` again."""
    _crypter_cache.clear()


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    if setting == "FIELD_ENCRYPTION_KEYS":
        forget_cached_keys()


class KeyedEncryptionMixin(upstream.EncryptedFieldMixin):
    @property
    def f(self) -> MultiFernet:
        return field_crypter()

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        try:
            clear = field_crypter().decrypt(value.encode("utf-8")).decode("utf-8")
        except InvalidToken as exc:
            raise DecryptionError(
                f"{self.model.__name__}.{self.name}: no configured key decrypts this value"
            ) from exc
        return self.to_python(clear)

    def to_python(self, value: Any) -> Any:
        # Values in Python are always clear text; only from_db_value decrypts. (Upstream
        # decrypts here and returns the input unchanged when that fails, which would
        # hide a missing key.)
        return super(upstream.EncryptedFieldMixin, self).to_python(value)


class EncryptedCharField(KeyedEncryptionMixin, upstream.EncryptedCharField):
    """A CharField stored encrypted; ``max_length`` applies to the clear text."""

    if TYPE_CHECKING:  # the upstream base is untyped; say what the attribute holds

        def __get__(self, instance: Any, owner: Any) -> Any: ...
        def __set__(self, instance: Any, value: str | None) -> None: ...


class EncryptedEmailField(EncryptedCharField):
    """An email address stored encrypted, validated and edited as an email address
    (what Django's ``EmailField`` gives a form, on an encrypted column)."""

    default_validators = [validate_email]

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"form_class": forms.EmailField, **kwargs})


class EncryptedTextField(KeyedEncryptionMixin, upstream.EncryptedTextField):
    pass


class EncryptedDateField(KeyedEncryptionMixin, upstream.EncryptedDateField):
    pass


def encrypted_fields_of(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, KeyedEncryptionMixin)
    ]
