"""One INSERT per model instance, with its statement composed once per process.

``Model.save()`` composes the INSERT anew every time: for a case of 45 columns that
was a fifth of an aspiration submit (§9 P3), more than the database took to run it.
``row_insert`` writes the same row with the same column values (each field's own
``pre_save`` and ``get_db_prep_save``, so defaults, ``auto_now_add`` and encryption
behave as in ``save()``) from a statement kept per model and database.

It sends ``pre_save`` and ``post_save`` as ``save()`` does (a signal without
receivers costs next to nothing). It is for hot paths, and only for models that
``save()`` would write in the same way: no ``save()`` of their own and no inherited
table; ``row_insert`` refuses any other (``ImproperlyConfigured``).

``on_conflict_skip=True`` adds ``ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite):
a row that would break a unique constraint is not written and the call returns
``False``, leaving the transaction usable without a savepoint.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router
from django.db.models.signals import post_save, pre_save


@cache
def _statement(
    model: type[models.Model], alias: str, on_conflict_skip: bool
) -> tuple[str, tuple[Any, ...]]:
    """The INSERT of ``model`` on database ``alias`` and the fields it writes."""
    connection = connections[alias]
    meta = model._meta
    concrete: list[Any] = list(meta.local_concrete_fields)
    fields = tuple(
        field
        for field in concrete
        if not (field.primary_key and field.db_returning) and not getattr(field, "generated", False)
    )
    quote = connection.ops.quote_name
    returning = [field for field in concrete if field.db_returning]
    columns = ", ".join(quote(f.column) for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 (quoted names)
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if on_conflict_skip:
        sql += " ON CONFLICT DO NOTHING"
    if returning and connection.features.can_return_columns_from_insert:
        sql += f" RETURNING {', '.join(quote(f.column) for f in returning)}"
    return sql, fields


@cache
def _checked(model: type[models.Model]) -> None:
    """Refuse a model that ``save()`` would write differently from ``row_insert``."""
    if model.save is not models.Model.save or model.save_base is not models.Model.save_base:
        raise ImproperlyConfigured(f"{model._meta.label} has its own save(): use it.")
    if model._meta.parents:
        raise ImproperlyConfigured(f"{model._meta.label} inherits a table: use save().")


def row_insert(instance: models.Model, *, on_conflict_skip: bool = False) -> bool:
    """INSERT ``instance`` as ``instance.save(force_insert=True)`` would, setting its
    primary key; ``False`` when ``on_conflict_skip`` and the row conflicted."""
    model = type(instance)
    _checked(model)
    alias = router.db_for_write(model, instance=instance)
    pre_save.send(sender=model, instance=instance, raw=False, using=alias, update_fields=None)
    connection = connections[alias]
    sql, fields = _statement(model, alias, on_conflict_skip)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    concrete: list[Any] = list(model._meta.local_concrete_fields)
    returning = [field for field in concrete if field.db_returning]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if " RETURNING " in sql:
            returned = cursor.fetchone()
            if returned is None:
                return False
        elif cursor.rowcount == 0:
            return False
        else:  # no RETURNING: a key of its own, or SQLite before 3.35
            returned = (cursor.lastrowid,) if returning else ()
    for field, value in zip(returning, returned, strict=True):
        for converter in field.get_db_converters(connection):
            value = converter(value, field, connection)
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = alias
    post_save.send(
        sender=model, instance=instance, created=True, update_fields=None, raw=False, using=alias
    )
    return True
