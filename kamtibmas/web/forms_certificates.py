"""Forms of the desk's loss-report pages (§4 C3): they parse what the officer typed.

Whether a report may be stored, completed, issued or revoked, and whether a NIK or a
card number is valid, is decided by ``certificates.services``; ``service_error`` puts
the reasons it gives next to the field they concern. Fields the service insists on
are optional here, so the officer reads the service's own explanation.

Lost items are one group per catalogue type: a tick box and the type's identifying
fields (``<code>__<field>``). Without JavaScript every group is shown; with it only
the ticked ones are (``loss-staff.js``). A report holds at most one item of each type
through these pages; "Other document or item" takes anything beyond that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kamtibmas.areas.models import Unit
from kamtibmas.certificates.catalogue import DETAIL_MAX_LENGTH, ITEM_TYPES, ItemType
from kamtibmas.certificates.models import (
    Citizenship,
    LossReport,
    Religion,
    ReportStatus,
    Sex,
)
from kamtibmas.certificates.services import IDENTITY_LIMITS
from kamtibmas.web.forms_dialogues import DATE_WIDGET, TIME_WIDGET

IDENTITY_FIELDS = (
    "name",
    "nik",
    "birth_place",
    "birth_date",
    "sex",
    "religion",
    "citizenship",
    "occupation",
    "address",
    "phone",
)
LOSS_FIELDS = ("lost_on", "lost_time", "lost_place", "circumstances")
SEARCH_MAX_LENGTH = 40
REASON_MAX_LENGTH = 255
#: Originals a desk officer usually checks the reporter against (suggestions only).
IDENTITY_DOCUMENTS = ("KTP-el asli", "KK asli", "SIM asli", "Paspor asli", "Akta kelahiran asli")


def _choices(empty: Any, choices: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", empty), *choices]


def checkbox_name(item: ItemType) -> str:
    return f"item_{item.code}"


def detail_name(item: ItemType, field_code: str) -> str:
    return f"{item.code}__{field_code}"


@dataclass(frozen=True)
class ItemGroup:
    """One catalogue type on the form: its tick box and its identifying fields."""

    item: ItemType
    tick: forms.BoundField
    fields: list[forms.BoundField]
    invalid: bool


class LossReportForm(forms.Form):
    """The reporter, the lost items and the loss, for a new report or a correction.

    ``units`` (new reports only) are the posts and units the report may be finished
    at. ``items_editable=False`` leaves the stored items alone (a report that holds
    two items of one type, e.g. from the API, cannot be shown as one group each).
    """

    unit = forms.ModelChoiceField(
        label=_("Post or unit that finishes the report"),
        queryset=Unit.objects.none(),
        empty_label=None,
    )

    name = forms.CharField(
        label=_("Full name"),
        required=False,
        max_length=IDENTITY_LIMITS["name"],
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("16 digits, as on the KTP or KK."),
    )
    birth_place = forms.CharField(
        label=_("Place of birth"), required=False, max_length=IDENTITY_LIMITS["birth_place"]
    )
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_WIDGET)
    sex = forms.ChoiceField(
        label=_("Sex"), required=False, choices=_choices(_("Choose…"), Sex.choices)
    )
    religion = forms.ChoiceField(
        label=_("Religion"), required=False, choices=_choices(_("Choose…"), Religion.choices)
    )
    citizenship = forms.ChoiceField(
        label=_("Citizenship"),
        required=False,
        choices=_choices(_("Choose…"), Citizenship.choices),
    )
    occupation = forms.CharField(
        label=_("Occupation"), required=False, max_length=IDENTITY_LIMITS["occupation"]
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=IDENTITY_LIMITS["address"],
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    lost_on = forms.DateField(label=_("Date of the loss"), widget=DATE_WIDGET)
    lost_time = forms.TimeField(
        label=_("Approximate time"), required=False, widget=TIME_WIDGET, help_text=_("Optional.")
    )
    lost_place = forms.CharField(label=_("Where it was lost"), required=False, max_length=255)
    circumstances = forms.CharField(
        label=_("How it happened"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        help_text=_("Optional."),
    )
    reporter_consents_contact = forms.BooleanField(
        label=_("The resident agrees to be contacted by the officer handling the report"),
        required=False,
    )

    def __init__(
        self,
        data: Any = None,
        *,
        units: QuerySet[Unit] | None = None,
        items_editable: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.items_editable = items_editable
        self.item_errors: list[str] = []
        if units is None:
            # Corrections: the unit and the resident's consent are not changed here.
            del self.fields["unit"]
            del self.fields["reporter_consents_contact"]
        else:
            unit_field = self.fields["unit"]
            assert isinstance(unit_field, forms.ModelChoiceField)
            unit_field.queryset = units
        if not items_editable:
            return
        for item in ITEM_TYPES:
            self.fields[checkbox_name(item)] = forms.BooleanField(
                label=str(item.label), required=False
            )
            for detail in item.fields:
                self.fields[detail_name(item, detail.code)] = forms.CharField(
                    label=str(detail.label),
                    required=False,
                    max_length=DETAIL_MAX_LENGTH,
                    widget=forms.TextInput(attrs={"autocomplete": "off"}),
                )

    @classmethod
    def initial_for(cls, report: LossReport) -> tuple[dict[str, Any], bool]:
        """What a correction starts from, and whether the items fit the groups."""
        initial: dict[str, Any] = {field: getattr(report, field) for field in IDENTITY_FIELDS}
        initial.update({field: getattr(report, field) for field in LOSS_FIELDS})
        items = list(report.items.all())
        codes = [item.item_type for item in items]
        editable = len(codes) == len(set(codes))
        if editable:
            for stored in items:
                kind = stored.kind
                initial[checkbox_name(kind)] = True
                for code, value in stored.details.items():
                    initial[detail_name(kind, code)] = value
        return initial, editable

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.items_editable:
            return cleaned
        for item in ITEM_TYPES:
            typed = any(cleaned.get(detail_name(item, field.code)) for field in item.fields)
            if typed and not cleaned.get(checkbox_name(item)):
                self.add_error(
                    checkbox_name(item),
                    ValidationError(
                        _("Tick “%(item)s” to report it lost, or clear its fields."),
                        params={"item": item.label},
                        code="item_not_ticked",
                    ),
                )
        return cleaned

    # ---- what the services take --------------------------------------------------------

    def ticked(self) -> list[ItemType]:
        return [item for item in ITEM_TYPES if self.cleaned_data.get(checkbox_name(item))]

    def identity(self) -> dict[str, Any]:
        return {
            field: self.cleaned_data[field]
            for field in IDENTITY_FIELDS
            if self.cleaned_data.get(field) not in (None, "")
        }

    def items(self) -> list[dict[str, Any]] | None:
        """The ticked items in catalogue order, ``None`` when the items are not edited."""
        if not self.items_editable:
            return None
        return [
            {
                "type": item.code,
                "details": {
                    field.code: self.cleaned_data.get(detail_name(item, field.code)) or ""
                    for field in item.fields
                },
            }
            for item in self.ticked()
        ]

    def loss(self) -> dict[str, Any]:
        return {
            "lost_on": self.cleaned_data["lost_on"],
            "lost_time": self.cleaned_data.get("lost_time"),
            "lost_place": self.cleaned_data.get("lost_place") or "",
            "circumstances": self.cleaned_data.get("circumstances") or "",
        }

    def service_error(self, error: ValidationError) -> None:
        """Show a ``ValidationError`` of ``certificates.services`` next to its field:
        ``items.<i>.<field>`` goes to that field of the i-th ticked type."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        ticked = self.ticked() if self.items_editable else []
        for key, errors in error.error_dict.items():
            target = self._field_for(key, ticked)
            if target is None and key == "items":
                self.item_errors += [message for e in errors for message in e.messages]
                continue
            self.add_error(target, errors)

    def _field_for(self, key: str, ticked: list[ItemType]) -> str | None:
        if key in self.fields:
            return key
        parts = key.split(".")
        if parts[0] != "items" or len(parts) < 2 or not parts[1].isdigit():
            return None
        index = int(parts[1])
        if index >= len(ticked):
            return None
        item = ticked[index]
        if len(parts) == 3 and item.detail_field(parts[2]) is not None:
            return detail_name(item, parts[2])
        return checkbox_name(item)

    # ---- what the template shows ---------------------------------------------------------

    def identity_fields(self) -> list[forms.BoundField]:
        return [self[field] for field in IDENTITY_FIELDS]

    def item_groups(self) -> list[ItemGroup]:
        if not self.items_editable:
            return []
        groups = []
        for item in ITEM_TYPES:
            details = [self[detail_name(item, field.code)] for field in item.fields]
            tick = self[checkbox_name(item)]
            groups.append(
                ItemGroup(
                    item=item,
                    tick=tick,
                    fields=details,
                    invalid=bool(tick.errors or any(bound.errors for bound in details)),
                )
            )
        return groups


class SearchForm(forms.Form):
    """One box for a reference, a NIK or a phone number. Sent by POST: a NIK or a phone
    number never appears in an address (SECURITY.md 12)."""

    q = forms.CharField(
        label=_("Reference, NIK or phone number"),
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "search"}),
    )


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_choices(_("All"), ReportStatus.choices),
    )


class IssueForm(forms.Form):
    identity_checked = forms.CharField(
        label=_("Identity checked against"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"list": "identity-documents", "autocomplete": "off"}),
        help_text=_("The original document you compared the reporter with, e.g. KK asli, SIM."),
    )
    originals_seen = forms.BooleanField(
        label=_("I have seen the original documents and they match the report"),
        error_messages={"required": _("Confirm that you have seen the original documents.")},
    )

    def service_error(self, error: ValidationError, labels: Mapping[str, str]) -> None:
        """Missing identity fields are not on this form: each goes above it, named."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            if key in self.fields:
                self.add_error(key, errors)
                continue
            for item in errors:
                for message in item.messages:
                    label = labels.get(key)
                    self.add_error(None, f"{label}: {message}" if label else message)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revoking"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_LENGTH}),
        help_text=_("Kept with the certificate; the public verification page says it is revoked."),
    )


class ConsentForm(forms.Form):
    consents = forms.BooleanField(required=False)


class RegisterFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=DATE_WIDGET)
    end = forms.DateField(label=_("Until"), widget=DATE_WIDGET)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )

    def __init__(self, data: Any = None, *, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("end", gettext("The end date is before the start date."))
        return cleaned


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
