"""Forms of the aspiration pages (§4 C2): they parse what a resident or an officer
typed, nothing more.

Whether a report may be taken, a case moved or a questionnaire answered is decided by
``aspirations.services``; ``add_service_error`` puts the reasons it gives next to the
field they concern. Text the service insists on (the report, a closing explanation,
the privacy mode) is optional here, so people read the service's own explanation
rather than a generic "required".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import POLICE_KINDS, Area, AreaLevel, Unit
from kamtibmas.aspirations.lifecycle import Action
from kamtibmas.aspirations.models import (
    TEXT_MAX_LENGTH,
    Aspiration,
    NotifyChannel,
    Privacy,
    ResponseTemplate,
    Status,
)
from kamtibmas.aspirations.services import MAX_PHOTOS, NAME_MAX_LENGTH
from kamtibmas.core.reference import remembered
from kamtibmas.core.scope import outermost
from kamtibmas.triage.taxonomy import Category, Urgency
from kamtibmas.web.forms_dialogues import (
    NEIGHBOURHOOD_MAX,
    VillageField,
    coordinate_field,
    number_widget,
)

# A national deployment covers tens of thousands of villages: the public select stays
# a plain list for a city or a province, and is cut off beyond this.
PUBLIC_VILLAGES_MAX = 3000
SURVEY_COMMENT_MAX = 1000
REASON_MAX = 255

# Where the reasons of ``aspirations.services`` belong on these forms, by error code.
FIELDS_BY_CODE = {
    "anonymous_with_identity": "privacy",
    "photos": "photos",
    "photo_not_image": "photos",
    "photo_too_large": "photos",
    "text_required": "text",
    "text_too_long": "text",
}


def normalise_newlines(text: str) -> str:
    """Browsers send ``\\r\\n`` and count it as one character; so do we."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def villages_covered() -> list[Area]:
    """The desa/kelurahan inside the coverage of a police unit: where a report can be
    routed. Area names are public reference data, so this read needs no scope.

    Remembered per process until an area or a unit's coverage changes
    (``core.reference``): the public forms ask it on every visit, and on a full
    registry it took about 100 ms (§9 P9)."""
    return list(remembered(("web.villages_covered",), _villages_covered))


def _villages_covered() -> tuple[Area, ...]:
    covered = list(Area.objects.filter(covering_units__kind__in=POLICE_KINDS).distinct())
    return tuple(
        Area.objects.within(list(outermost(covered)))
        .filter(level=AreaLevel.VILLAGE)
        .select_related("district")
        .order_by("district__name", "name")[:PUBLIC_VILLAGES_MAX]
    )


class PublicVillageField(VillageField):
    default_error_messages = {"invalid_choice": _("Choose a desa/kelurahan from the list.")}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked by content by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def category_choices(empty: str | Any) -> list[tuple[str, Any]]:
    return [("", empty), *Category.choices]


def urgency_choices(empty: str | Any) -> list[tuple[str, Any]]:
    return [("", empty), *Urgency.choices]


class PlaceMixin(forms.Form):
    """RW and RT numbers inside a desa/kelurahan, both optional."""

    rw = forms.IntegerField(
        label=_("RW number"),
        required=False,
        min_value=1,
        max_value=NEIGHBOURHOOD_MAX,
        widget=number_widget(),
        help_text=_("Optional."),
    )
    rt = forms.IntegerField(
        label=_("RT number"),
        required=False,
        min_value=1,
        max_value=NEIGHBOURHOOD_MAX,
        widget=number_widget(),
        help_text=_("Optional; needs the RW number."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("rt") is not None and cleaned.get("rw") is None and "rw" not in self.errors:
            self.add_error(
                "rt",
                ValidationError(
                    _("An RT lies inside an RW: give the RW number as well."),
                    code="rt_without_rw",
                ),
            )
        return cleaned


class ReportFieldsMixin(PlaceMixin):
    text = forms.CharField(
        label=_("What happened, or what do you ask?"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": TEXT_MAX_LENGTH}),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=category_choices(_("Not sure: let Kamtibmas suggest one")),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        required=False,
        choices=urgency_choices(_("Not sure: let Kamtibmas suggest one")),
    )
    privacy = forms.ChoiceField(
        label=_("Who may know who you are?"),
        required=False,
        choices=Privacy.choices,
        widget=forms.RadioSelect,
        initial=Privacy.CONFIDENTIAL,
    )
    reporter_name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    reporter_phone = forms.CharField(
        label=_("Phone number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_text(self) -> str:
        return normalise_newlines(self.cleaned_data.get("text", ""))


class AspirationForm(ReportFieldsMixin):
    """The public form: a resident's report, with an optional photo or five."""

    # Optional here: the service explains that a kelurahan is needed.
    village = PublicVillageField(label=_("Desa/kelurahan"), villages=(), required=False)
    latitude = coordinate_field(_("Latitude"), limit=90)
    longitude = coordinate_field(_("Longitude"), limit=180)
    photos = MultipleFileField(
        label=_("Photos (optional, at most %(max)d)") % {"max": MAX_PHOTOS}, required=False
    )
    reporter_email = forms.CharField(
        label=_("Email"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    notify_by = forms.ChoiceField(
        label=_("Tell me about progress by"),
        required=False,
        choices=NotifyChannel.choices,
    )

    field_order = [
        "text",
        "village",
        "rw",
        "rt",
        "latitude",
        "longitude",
        "category",
        "urgency",
        "photos",
        "privacy",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "notify_by",
    ]

    def __init__(self, *args: Any, villages: Iterable[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"] = PublicVillageField(
            label=_("Desa/kelurahan"), villages=villages, required=False
        )
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error(
                "longitude" if cleaned.get("longitude") is None else "latitude",
                ValidationError(
                    _("Give both latitude and longitude, or neither."), code="coordinates"
                ),
            )
        return cleaned

    @property
    def is_anonymous(self) -> bool:
        return self.data.get("privacy") == Privacy.ANONYMOUS


class DialogueAspirationForm(ReportFieldsMixin):
    """An officer records an aspiration a resident raised at a dialogue."""

    spot_answer = forms.CharField(
        label=_("Answer given on the spot"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = [
        "text",
        "spot_answer",
        "rw",
        "rt",
        "category",
        "urgency",
        "privacy",
        "reporter_name",
        "reporter_phone",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["privacy"].label = _("Privacy mode chosen by the resident")
        self.fields["reporter_name"].label = _("Resident's name (optional)")
        self.fields["reporter_phone"].label = _("Resident's phone (optional)")
        self.fields["rw"].help_text = _("Optional. Leave empty for the dialogue's own place.")
        self.order_fields(self.field_order)


class SimilarForm(forms.Form):
    text = forms.CharField(required=False, max_length=TEXT_MAX_LENGTH)
    village = forms.IntegerField(required=False, min_value=1)
    # The phone's position, when the resident gave it: cases just across the
    # kelurahan's border are then offered too.
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "XXXX-XXXX-XXXX-XXXX",
            }
        ),
    )


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message to the officers handling it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_MAX_LENGTH}),
    )

    def clean_text(self) -> str:
        return normalise_newlines(self.cleaned_data.get("text", ""))


SCALE = [(str(n), str(n)) for n in range(1, 6)]


class SurveyForm(forms.Form):
    fixed = forms.TypedChoiceField(
        label=_("Was the problem really fixed?"),
        choices=[("yes", _("Yes, it is fixed")), ("no", _("No, it is not fixed"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with how it was handled? (1 = not at all, 5 = very)"),
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    safety = forms.TypedChoiceField(
        label=_("How safe do you feel in your neighbourhood now? (1 = not at all, 5 = very)"),
        choices=SCALE,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything else you want to tell us? (optional)"),
        required=False,
        max_length=SURVEY_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": SURVEY_COMMENT_MAX}),
    )


# ---- staff ---------------------------------------------------------------------------


def status_filter_choices() -> list[tuple[str, Any]]:
    return [("", _("All")), ("open", _("Open (not closed yet)")), *Status.choices]


class InboxFilterForm(forms.Form):
    """The inbox filters (GET); invalid values are ignored."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=status_filter_choices)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=category_choices(_("All"))
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=urgency_choices(_("All"))
    )
    area = VillageField(label=_("Desa/kelurahan"), villages=(), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)

    def __init__(self, *args: Any, villages: Iterable[Area], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"] = VillageField(
            label=_("Desa/kelurahan"), villages=villages, empty_label=_("All"), required=False
        )


BULK_VERIFY, BULK_ASSIGN_ME = "verify", "assign_me"
BULK_MAX = 200


class IdListField(forms.Field):
    """Case ids ticked in the inbox; each is looked up within the user's scope."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Choose cases from the list.")}

    def to_python(self, value: Any) -> list[int]:
        values = [str(item) for item in (value or [])]
        if any(not item.isdigit() for item in values) or len(values) > BULK_MAX:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(int(item) for item in values))


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        label=_("With the selected cases"),
        choices=[(BULK_VERIFY, _("Verify")), (BULK_ASSIGN_ME, _("Assign to me"))],
    )
    cases = IdListField(required=False)


class TriageForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    reroute = forms.BooleanField(
        label=_("Send it to the unit the routing rules name for this category"),
        required=False,
        help_text=_("Only while the case is received or verified."),
    )


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        kind = obj.get_kind_display()
        return f"{obj.name} ({kind})"


class DuplicateChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number}: {obj.text[:80]}"


class ActionForm(forms.Form):
    """One lifecycle step; the fields shown depend on the step (``action``)."""

    text = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX_LENGTH}),
    )
    template = forms.ModelChoiceField(
        label=_("Start from a ready answer"),
        queryset=ResponseTemplate.objects.none(),
        required=False,
        empty_label=_("No ready answer"),
        help_text=_("Used when the explanation is left empty."),
    )
    is_public = forms.BooleanField(
        label=_("Show it to the reporter and on the public page"), required=False, initial=True
    )
    unit = UnitChoiceField(
        label=_("Refer to"), queryset=Unit.objects.none(), required=False, empty_label=_("Choose…")
    )
    duplicate_of = DuplicateChoiceField(
        label=_("The case this one repeats"),
        queryset=Aspiration.objects.none(),
        required=False,
        empty_label=_("Choose…"),
    )
    duplicate_number = forms.CharField(label=_("or its case number"), required=False, max_length=16)

    NEEDS_TEXT = frozenset({Action.RESOLVE, Action.REJECT, Action.CLOSE_UNRESOLVED})

    def __init__(
        self,
        *args: Any,
        action: Action,
        templates: Sequence[ResponseTemplate],
        units: QuerySet[Unit] | None = None,
        candidates: Sequence[Aspiration] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", action.value)
        super().__init__(*args, **kwargs)
        self.action = action
        self.templates = list(templates)
        template_field = self.fields["template"]
        assert isinstance(template_field, forms.ModelChoiceField)
        template_field.queryset = ResponseTemplate.objects.filter(
            pk__in=[t.pk for t in self.templates]
        )
        if not self.templates:
            del self.fields["template"]
        if action == Action.REFER:
            unit_field = self.fields["unit"]
            assert isinstance(unit_field, forms.ModelChoiceField)
            unit_field.queryset = units if units is not None else Unit.objects.none()
        else:
            del self.fields["unit"]
        if action == Action.MARK_DUPLICATE:
            duplicate_field = self.fields["duplicate_of"]
            assert isinstance(duplicate_field, forms.ModelChoiceField)
            duplicate_field.queryset = Aspiration.objects.filter(
                pk__in=[case.pk for case in candidates]
            )
            if not candidates:
                del self.fields["duplicate_of"]
        else:
            del self.fields["duplicate_of"]
            del self.fields["duplicate_number"]
        if action in self.NEEDS_TEXT:
            self.fields["text"].label = _("What was done, and why (the reporter reads this)")

    def template_options(self) -> list[tuple[int, str, str]]:
        return [(t.pk, t.title, t.text) for t in self.templates]

    def chosen_text(self) -> str:
        """The typed explanation, else the chosen ready answer's text."""
        typed = normalise_newlines(self.cleaned_data.get("text", "")).strip()
        template = self.cleaned_data.get("template")
        return typed or (template.text if template is not None else "")


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": TEXT_MAX_LENGTH}),
    )
    is_public = forms.BooleanField(
        label=_("Progress notice: show it to the reporter and on the public page"),
        required=False,
    )

    def clean_text(self) -> str:
        return normalise_newlines(self.cleaned_data.get("text", ""))


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class AssignForm(forms.Form):
    assignee = OfficerChoiceField(
        label=_("Handling officer"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody (the unit as a whole)"),
    )

    FIELDS_BY_CODE = {"assignee_unit": "assignee"}

    def __init__(self, *args: Any, officers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = officers


class IdentityForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the reporter's identity?"),
        max_length=REASON_MAX,
        help_text=_("Recorded in the audit log with your name."),
    )
