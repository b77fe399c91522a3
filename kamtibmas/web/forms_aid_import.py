"""The upload form of the household import (issue 8 point 2). Whether the rows are
valid is decided by ``aid.importing`` in the worker; this checks the file's kind and
size and offers the kelurahan the officer keeps households of."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kamtibmas.aid.household_imports import EXTENSIONS, MAX_BYTES
from kamtibmas.areas.models import Area


class HouseholdImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Header row: no_kk, kepala_keluarga (required); rt, rw, kelurahan, alamat, "
            "jumlah_anggota, jumlah_anak, catatan (optional). At most 10 MB."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("As the file's kelurahan column says, row by row"),
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows"),
        required=False,
        help_text=_(
            "Import the valid rows and list the refused ones. Without it, one refused "
            "row and nothing is imported."
        ),
    )

    def __init__(self, *args: Any, villages: QuerySet[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kelurahan"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = villages

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in EXTENSIONS:
            raise ValidationError(_("Only CSV and XLSX files can be imported."))
        if upload.size > MAX_BYTES:
            raise ValidationError(
                _("The file is larger than %(size)d MB: split it into smaller files.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        return upload

    @property
    def extension(self) -> str:
        return PurePath(self.cleaned_data["file"].name).suffix.lower()
