"""Forms of the officer's aid pages (C4, issue 8 point 4): they parse what was typed.

Whether a household may receive, whether a KK number is valid and whether stock may
move is decided by ``aid.services``; the views put the reasons it gives next to the
field they concern. Quantities and names are optional or loose here so that the
officer reads the service's own explanation.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kamtibmas.aid.models import AidItem, AidLocation, ConfirmationKind
from kamtibmas.aid.services import confirmation_from_text, confirmation_read
from kamtibmas.areas.models import Area

NAME_MAX = 120
REASON_MAX = 255


class KkSearchForm(forms.Form):
    """Sent by POST: the KK number never appears in an address."""

    kk = forms.CharField(
        label=_("KK number or card code"),
        max_length=200,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 32}
        ),
        help_text=_(
            "The 16 digits on the family card, or the code under the QR of the household card."
        ),
    )


class NameSearchForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the head of the household"),
        min_length=2,
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    area = forms.ModelChoiceField(
        label=_("RT/RW"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("All RT/RW of the program"),
    )

    def __init__(self, *args: Any, areas: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["area"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = areas


class HandoutForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    # One per shown form: a second tap on "confirm" finds its hand-out already recorded.
    token = forms.UUIDField(widget=forms.HiddenInput)
    recipient_name = forms.CharField(
        label=_("Received by"),
        required=False,
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    children_present = forms.IntegerField(
        label=_("Children present"),
        required=False,
        min_value=0,
        max_value=99,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("One snack per child present, at most the children on the family card."),
    )
    # The recipient's confirmation, both optional: a signature drawn on the page
    # (aid-signature.js puts it here as a PNG data URL) or a photo.
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def clean(self) -> dict[str, Any]:
        """``confirmation``: the photo if one is sent, else the signature, checked and
        redrawn (``aid.services.confirmation_read``), or ``None``."""
        data = super().clean() or {}
        data["confirmation"] = None
        try:
            if data.get("photo"):
                data["confirmation"] = confirmation_read(
                    ConfirmationKind.PHOTO, data["photo"].read()
                )
            elif data.get("signature"):
                data["confirmation"] = confirmation_from_text(
                    ConfirmationKind.SIGNATURE, data["signature"]
                )
        except ValidationError as error:
            self.add_error("photo", error.message_dict.get("confirmation", error.messages))
        return data

    def service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                self.add_error(key if key in self.fields else None, errors)
        else:
            self.add_error(None, error)


class StockForm(forms.Form):
    MOVEMENTS = (
        ("received", _("Received")),
        ("moved", _("Moved to another location")),
        ("damaged", _("Damaged or lost")),
        ("adjusted", _("Count adjusted (+ or −)")),
    )

    movement = forms.ChoiceField(label=_("Movement"), choices=MOVEMENTS)
    item = forms.ModelChoiceField(label=_("Item"), queryset=AidItem.objects.none())
    location = forms.ModelChoiceField(label=_("Location"), queryset=AidLocation.objects.none())
    target = forms.ModelChoiceField(
        label=_("Moved to"),
        queryset=AidLocation.objects.none(),
        required=False,
        help_text=_("Only for a move."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=-100_000,
        max_value=100_000,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=REASON_MAX,
        help_text=_("Required for damage and adjustments: it stays in the ledger."),
    )

    def __init__(
        self,
        *args: Any,
        items: QuerySet[AidItem],
        locations: QuerySet[AidLocation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("item", items), ("location", locations), ("target", locations)):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("movement") == "moved" and not data.get("target"):
            self.add_error("target", _("Choose the location the stock goes to."))
        return data

    def service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                self.add_error(key if key in self.fields else None, errors)
        else:
            self.add_error(None, error)
