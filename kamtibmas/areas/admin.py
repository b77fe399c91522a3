from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest

from kamtibmas.areas.models import Area, Unit
from kamtibmas.areas.services import UNIT_UPDATE_FIELDS, unit_create, unit_update, unit_validate
from kamtibmas.core.admin import ScopedAdmin


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    """The registry is public reference data: every staff user may browse all of it."""

    list_display = ["code", "name", "kind", "timezone"]
    list_filter = ["level", "timezone"]
    search_fields = ["=code", "name"]
    show_full_result_count = False
    readonly_fields = [
        "code",
        "level",
        "kind",
        "timezone",
        "parent",
        "province",
        "regency",
        "district",
        "village",
        "rw",
    ]

    def has_add_permission(self, request, obj=None):
        return False  # loaded by `kamtibmas load_areas`; RW/RT are created on demand

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        # The changelist shows the whole registry, but an area picked for a unit's
        # coverage or location must lie in the user's scope.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        queryset = ScopedAdmin.autocomplete_choices(self.admin_site, request, queryset)
        return queryset, may_have_duplicates


class UnitParentField(forms.ModelChoiceField):
    """The parent unit. The unit itself and the units below it are not offered; one
    posted anyway is let through to ``UnitAdminForm.clean``, where ``unit_validate``
    refuses it with a message that says why (rather than "not one of the choices")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: The unit being edited and the units below it, by id as posted.
        self.below: dict[str, Unit] = {}

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and str(value) in self.below:
            return self.below[str(value)]
        return super().to_python(value)


class UnitAdminForm(forms.ModelForm):
    """Checks the unit's place in the tree with the service rules (``unit_validate``)."""

    class Meta:
        model = Unit
        fields = [
            "name",
            "kind",
            "parent",
            "coverage",
            "area",
            "address",
            "phone",
            "opening_hours",
            "latitude",
            "longitude",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = self.fields.get("parent")
        unit = self.instance
        if isinstance(parent, UnitParentField) and unit.pk is not None:
            # (A unit saved without a path has nothing below it yet.)
            below = list(Unit.objects.filter(path__startswith=unit.path)) if unit.path else [unit]
            parent.below = {str(u.pk): u for u in below}
            # Keeping the current parent is always allowed, even when the user cannot
            # see it (their own unit's parent): that is not a move.
            offered = parent.queryset if parent.queryset is not None else Unit.objects.none()
            kept = Unit.objects.filter(pk=unit.parent_id)
            parent.queryset = offered.exclude(pk__in=[u.pk for u in below]) | kept

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is not None and {"kind", "parent", "coverage"} <= cleaned.keys():
            try:
                unit_validate(
                    unit=self.instance if self.instance.pk is not None else None,
                    kind=cleaned["kind"],
                    parent=cleaned["parent"],
                    coverage=cleaned["coverage"],
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    form = UnitAdminForm
    list_display = ["name", "kind", "parent", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["coverage", "area"]

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "parent":
            kwargs["form_class"] = UnitParentField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: Unit, form: forms.ModelForm, change: bool
    ) -> None:
        """Through ``unit_create``/``unit_update``, which keep the materialised path and
        the coverage rule on freshly read, locked rows."""
        data = {
            name: form.cleaned_data[name] for name in UNIT_UPDATE_FIELDS & form.cleaned_data.keys()
        }
        unit = unit_update(unit=obj, data=data) if change else unit_create(**data)
        obj.pk, obj.path = unit.pk, unit.path  # the admin logs and redirects with ``obj``

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool
    ) -> None:
        # Not form.save_m2m(): the coverage, the one many-to-many field, was written by
        # the service in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
