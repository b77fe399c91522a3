"""Forms of the public loss-report and verification pages (§4 C3, C7): they parse
what a resident typed, nothing more.

Whether a report may be taken is decided by ``certificates.services``. The form
checks only what a resident can fix by filling a field (an empty name, no document
ticked, a ticked document without its number) so that most mistakes show in one
round; the service's own reasons (a NIK of an unknown kecamatan, a date in the
future…) are put next to the field they concern by the view.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kamtibmas.areas.models import Area
from kamtibmas.certificates.catalogue import (
    DETAIL_MAX_LENGTH,
    ITEM_TYPES,
    DetailField,
    ItemType,
    item_details_clean,
    item_type_choices,
)
from kamtibmas.certificates.models import Citizenship, LossReport, Religion, Sex
from kamtibmas.certificates.services import IDENTITY_LIMITS
from kamtibmas.web.forms_aspirations import PublicVillageField
from kamtibmas.web.forms_dialogues import coordinate_field

# Identifying fields typed as digits: a phone shows its number pad for them.
NUMERIC_DETAILS = frozenset(
    {"nik", "kk_number", "sim_number", "card_number", "npwp_number", "account_number", "year"}
)
CIRCUMSTANCES_MAX = 1000
LOST_PLACE_MAX = 255
NAME_MAX = IDENTITY_LIMITS["name"]
# A receipt code is 16 characters; people add spaces and dashes when they copy it.
CODE_MAX = 40


def _label(name: str) -> Any:
    """The model's own name for a field of the report, as a form label."""
    field = LossReport._meta.get_field(name)
    assert isinstance(field, models.Field)
    return capfirst(field.verbose_name)


def detail_name(item: ItemType, field: DetailField) -> str:
    """The form field of one identifying field of one item type: ``kk-kk_number``."""
    return f"{item.code}-{field.code}"


def _choices(choices: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("Choose…")), *choices]


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


@dataclass(frozen=True)
class ItemFields:
    """One item type of the form: its checkbox value and its detail fields, in order."""

    item: ItemType
    names: tuple[str, ...]


class LossReportForm(forms.Form):
    """A resident's own loss report, finished later at the post."""

    items = forms.MultipleChoiceField(
        label=_("What did you lose?"),
        choices=item_type_choices(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lost_on = forms.DateField(
        label=_label("lost_on"),
        required=False,
        widget=_date_widget(),
        help_text=_("Roughly, if you are not sure."),
    )
    lost_time = forms.TimeField(
        label=_label("lost_time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Optional."),
    )
    lost_place = forms.CharField(
        label=_label("lost_place"),
        required=False,
        max_length=LOST_PLACE_MAX,
        help_text=_("For example: Pasar Baru Bekasi, or on the way from home to the office."),
    )
    circumstances = forms.CharField(
        label=_label("circumstances"),
        required=False,
        max_length=CIRCUMSTANCES_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": CIRCUMSTANCES_MAX}),
        help_text=_("Optional."),
    )
    name = forms.CharField(
        label=_label("name"),
        required=False,
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("The post calls or messages you on it about your report."),
    )
    nik = forms.CharField(
        label=_label("nik"),
        required=False,
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    birth_place = forms.CharField(
        label=_label("birth_place"), required=False, max_length=IDENTITY_LIMITS["birth_place"]
    )
    birth_date = forms.DateField(label=_label("birth_date"), required=False, widget=_date_widget())
    sex = forms.ChoiceField(label=_label("sex"), required=False, choices=_choices(Sex.choices))
    religion = forms.ChoiceField(
        label=_label("religion"), required=False, choices=_choices(Religion.choices)
    )
    citizenship = forms.ChoiceField(
        label=_label("citizenship"), required=False, choices=_choices(Citizenship.choices)
    )
    occupation = forms.CharField(
        label=_label("occupation"), required=False, max_length=IDENTITY_LIMITS["occupation"]
    )
    address = forms.CharField(
        label=_label("address"),
        required=False,
        max_length=IDENTITY_LIMITS["address"],
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": IDENTITY_LIMITS["address"]}),
    )
    # Where the resident is, to suggest posts: a kelurahan, or the phone's position.
    village = PublicVillageField(label=_("Desa/kelurahan"), villages=(), required=False)
    latitude = coordinate_field(_("Latitude"), limit=90)
    longitude = coordinate_field(_("Longitude"), limit=180)
    # A unit id; the view checks that it is a police post or Polsek.
    post = forms.IntegerField(
        label=_("The post where you finish the report"), required=False, min_value=1
    )
    reporter_consents_contact = forms.BooleanField(
        label=_(
            "The officer handling my report may show me their name and contact, and contact me."
        ),
        required=False,
    )

    IDENTITY = (
        "name",
        "phone",
        "nik",
        "birth_place",
        "birth_date",
        "sex",
        "religion",
        "citizenship",
        "occupation",
        "address",
    )
    OPTIONAL_IDENTITY = IDENTITY[2:]

    def __init__(self, *args: Any, villages: Iterable[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"] = PublicVillageField(
            label=_("Desa/kelurahan"), villages=villages, required=False
        )
        self.item_fields: list[ItemFields] = []
        for item in ITEM_TYPES:
            names = []
            for field in item.fields:
                name = detail_name(item, field)
                attrs = {"maxlength": str(DETAIL_MAX_LENGTH), "autocomplete": "off"}
                if field.code in NUMERIC_DETAILS:
                    attrs["inputmode"] = "numeric"
                self.fields[name] = forms.CharField(
                    label=str(field.label),
                    required=False,
                    widget=forms.TextInput(attrs=attrs),
                    help_text="" if field.required else _("Optional."),
                )
                names.append(name)
            self.item_fields.append(ItemFields(item=item, names=tuple(names)))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, message in (
            ("name", _("Write your full name as on your KTP.")),
            ("phone", _("Give a phone number the post can reach you on.")),
            ("lost_on", _("Say on which day you lost it, roughly if you are not sure.")),
            ("lost_place", _("Say where you lost it, as well as you know.")),
        ):
            if name not in self.errors and not cleaned.get(name):
                self.add_error(name, ValidationError(message, code="required"))
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error(
                "longitude" if cleaned.get("longitude") is None else "latitude",
                ValidationError(
                    _("Give both latitude and longitude, or neither."), code="coordinates"
                ),
            )
        chosen = cleaned.get("items") or []
        if "items" not in self.errors and not chosen:
            self.add_error(
                "items", ValidationError(_("Tick at least one lost document."), code="required")
            )
        cleaned["item_list"] = [self._item(code) for code in chosen]
        return cleaned

    def _item(self, code: str) -> dict[str, Any]:
        """What the service takes for one ticked item; its identifying fields are checked
        here too (by the catalogue), so they show with the other mistakes."""
        entry = next(fields for fields in self.item_fields if fields.item.code == code)
        raw = {
            field.code: self.cleaned_data.get(name, "")
            for field, name in zip(entry.item.fields, entry.names, strict=True)
        }
        try:
            item_details_clean(code, raw)
        except ValidationError as exc:
            for field_code, errors in exc.error_dict.items():
                name = f"{code}-{field_code}"
                self.add_error(name if name in self.fields else "items", errors)
        return {"type": code, "details": {key: value for key, value in raw.items() if value}}

    def identity(self) -> dict[str, Any]:
        """The identity fields as ``loss_report_start`` takes them (empty ones left out)."""
        data = self.cleaned_data
        return {name: data[name] for name in self.IDENTITY if data.get(name) not in (None, "")}

    @property
    def optional_identity_given(self) -> bool:
        given = self.data or self.initial
        return any(given.get(name) for name in self.OPTIONAL_IDENTITY) or any(
            name in self.errors for name in self.OPTIONAL_IDENTITY
        )


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code of your loss report"),
        max_length=CODE_MAX,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX-XXXX",
            }
        ),
    )


class ConsentForm(forms.Form):
    consents = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no")], coerce=lambda value: value == "yes"
    )
