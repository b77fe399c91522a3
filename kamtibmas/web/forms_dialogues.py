"""Forms of the staff dialogue pages: they parse what an officer typed, nothing more.

Times are typed as local times of the dialogue's area (WIB, WITA or WIT) and leave
here as aware datetimes; areas are offered only from the user's coverage. Whether a
dialogue may be planned, held or cancelled is decided by ``engagements.services``;
``add_service_error`` puts the reasons it gives next to the field they concern. Text
that a service insists on (a reason, a position, a question) is optional here, so the
officer reads the service's own explanation rather than a generic "required".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import POLICE_KINDS, Area, AreaLevel, Unit
from kamtibmas.core.scope import visible_to
from kamtibmas.engagements.models import (
    AttendeeGroup,
    Dialogue,
    DialogueType,
    FindingResult,
    InspectionFinding,
    InspectionItem,
    OutreachTopic,
)
from kamtibmas.engagements.photos import CAPTION_MAX_LENGTH
from kamtibmas.engagements.services import FindingInput

# Roles that can host a dialogue or own a follow-up: police officers with a unit.
OFFICER_ROLES = (Role.COMMUNITY_OFFICER, Role.DESK_OFFICER, Role.HANDLER, Role.COMMANDER)
NEIGHBOURHOOD_MAX = 999

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def number_widget() -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "numeric"})


def local_instant(day: date, clock: time, zone: str) -> datetime:
    """``day`` at ``clock`` on the wall clocks of ``zone`` (an IANA name), as an
    aware datetime. Indonesia keeps no daylight saving time, so this is exact."""
    return datetime.combine(day, clock).replace(tzinfo=ZoneInfo(zone))


def add_service_error(
    form: forms.Form, error: ValidationError, fields_by_code: Mapping[str, str] | None = None
) -> None:
    """Show a service's ``ValidationError`` on ``form``: next to the field its
    ``code`` (or the model field it names) concerns, otherwise above the form."""
    fields_by_code = fields_by_code or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    for item in error.error_list:
        target = fields_by_code.get(item.code or "")
        form.add_error(target if target in form.fields else None, item)


def officers_visible_to(user: Any) -> QuerySet[User]:
    return (
        visible_to(User.objects.filter(is_active=True, role__in=OFFICER_ROLES), user)
        .select_related("unit")
        .order_by("unit__path", "last_name", "first_name", "username")
    )


def coordinate_field(label: Any, *, limit: int) -> forms.FloatField:
    """An optional latitude (``limit`` 90) or longitude (180), typed on a phone."""
    return forms.FloatField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_name} ({obj.unit.name})" if obj.unit_id else obj.display_name


class VillageField(forms.ChoiceField):
    """A desa/kelurahan of the user's coverage, grouped by kecamatan: a plain select
    that stays short (a Polsek covers one kecamatan, 5–15 kelurahan)."""

    default_error_messages = {
        "invalid_choice": _("Choose a desa/kelurahan covered by your unit."),
    }

    def __init__(
        self, *, villages: Iterable[Area], empty_label: str | Promise | None = None, **kwargs: Any
    ) -> None:
        self.villages = {str(area.pk): area for area in villages}
        groups: dict[str, list[tuple[str, str]]] = {}
        for key, area in self.villages.items():
            district = area.district.name if area.district_id and area.district else ""
            groups.setdefault(district, []).append((key, area.name))
        choices: list[Any] = [("", empty_label or _("Choose…"))]
        choices += [(district, options) for district, options in groups.items()]
        super().__init__(choices=choices, **kwargs)

    def clean(self, value: Any) -> Area | None:
        key = super().clean(value)
        return self.villages.get(key) if key else None


def villages_visible_to(user: Any) -> list[Area]:
    return list(
        visible_to(Area.objects.filter(level=AreaLevel.VILLAGE), user)
        .select_related("district")
        .order_by("district__name", "name")
    )


def place_of(area: Area) -> tuple[Area, int | None, int | None]:
    """The village, RW number and RT number of ``area`` (the inverse of the form).

    RW and RT codes end in their numbers: ``32.75.04.1005.024.001`` is RT 001/RW 024.
    """
    if area.level < AreaLevel.RW or area.village is None:
        return area, None, None
    numbers = [int(part) for part in area.code.split(".")[4:6]]
    return area.village, numbers[0], numbers[1] if len(numbers) > 1 else None


class DialogueForm(forms.Form):
    """Plan a dialogue, record one that took place, or change a planned one.

    ``mode`` is ``"plan"``, ``"past"`` or ``"edit"``. In ``"edit"`` the organising
    unit is fixed, and a dialogue already held keeps its times (the capture page sets
    them). Cleaned data carry ``village`` (an ``Area``), ``rw``/``rt`` numbers and, when
    there are times, aware ``start`` and ``end`` in the village's time zone.
    """

    VISIBILITY_DEFAULT, VISIBILITY_PUBLIC, VISIBILITY_PRIVATE = "", "public", "private"

    type = forms.ModelChoiceField(
        label=_("Type"), queryset=DialogueType.objects.none(), empty_label=_("Choose…")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    unit = forms.ModelChoiceField(label=_("Organising unit"), queryset=Unit.objects.none())
    village = VillageField(label=_("Desa/kelurahan"), villages=())
    rw = forms.IntegerField(
        label=_("RW number"),
        required=False,
        min_value=1,
        max_value=NEIGHBOURHOOD_MAX,
        widget=number_widget(),
        help_text=_("Optional. Leave empty for the whole desa/kelurahan."),
    )
    rt = forms.IntegerField(
        label=_("RT number"),
        required=False,
        min_value=1,
        max_value=NEIGHBOURHOOD_MAX,
        widget=number_widget(),
        help_text=_("Optional; needs the RW number."),
    )
    venue_name = forms.CharField(label=_("Venue"), max_length=200)
    latitude = coordinate_field(_("Latitude"), limit=90)
    longitude = coordinate_field(_("Longitude"), limit=180)
    day = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("Starts at"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("Ends at"), widget=TIME_WIDGET)
    host = OfficerChoiceField(
        label=_("Host officer"), queryset=User.objects.none(), required=False,
        empty_label=_("Me"),
    )  # fmt: skip
    visibility = forms.ChoiceField(
        label=_("Public announcement"),
        required=False,
        choices=[
            (VISIBILITY_DEFAULT, _("As usual for this type")),
            (VISIBILITY_PUBLIC, _("Announce on the public list")),
            (VISIBILITY_PRIVATE, _("Do not announce")),
        ],
    )

    # Where the reasons of ``engagements.services`` belong on this form.
    FIELDS_BY_CODE = {
        "planned_in_past": "day",
        "held_in_future": "day",
        "planned_end": "end_time",
        "actual_end": "end_time",
        "planned_length": "end_time",
        "actual_length": "end_time",
        "area_scope": "village",
        "area_level": "village",
        "unit_scope": "unit",
        "host_unit": "host",
    }

    def __init__(
        self, *args: Any, user: Any, mode: str, dialogue: Dialogue | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode
        types = DialogueType.objects.filter(is_active=True)
        if dialogue is not None:
            types = DialogueType.objects.filter(is_active=True) | DialogueType.objects.filter(
                pk=dialogue.type_id
            )
        type_field = self.fields["type"]
        assert isinstance(type_field, forms.ModelChoiceField)
        type_field.queryset = types.order_by("position", "code")
        self.fields["village"] = VillageField(
            label=_("Desa/kelurahan"), villages=villages_visible_to(user)
        )
        host_field = self.fields["host"]
        assert isinstance(host_field, forms.ModelChoiceField)
        host_field.queryset = officers_visible_to(user)
        if mode == "edit":
            del self.fields["unit"]
            host_field.empty_label = _("Keep the current host")
            assert dialogue is not None
            if dialogue.status != "planned":
                for name in ("day", "start_time", "end_time"):
                    del self.fields[name]
        else:
            unit_field = self.fields["unit"]
            assert isinstance(unit_field, forms.ModelChoiceField)
            unit_field.queryset = visible_to(Unit.objects.filter(kind__in=POLICE_KINDS), user)
            if user.unit_id and not self.is_bound:
                self.initial.setdefault("unit", user.unit_id)

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
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error(
                "longitude" if cleaned.get("longitude") is None else "latitude",
                ValidationError(
                    _("Give both latitude and longitude, or neither."), code="coordinates"
                ),
            )
        village = cleaned.get("village")
        day, start, end = cleaned.get("day"), cleaned.get("start_time"), cleaned.get("end_time")
        if village is not None and day and start and end:
            cleaned["start"] = local_instant(day, start, village.timezone)
            cleaned["end"] = local_instant(day, end, village.timezone)
        return cleaned

    def is_public(self) -> bool | None:
        choice = self.cleaned_data.get("visibility")
        if choice == self.VISIBILITY_PUBLIC:
            return True
        if choice == self.VISIBILITY_PRIVATE:
            return False
        return None

    @classmethod
    def initial_for(cls, dialogue: Dialogue) -> dict[str, Any]:
        village, rw, rt = place_of(dialogue.area)
        zone = ZoneInfo(dialogue.area.timezone)
        start = dialogue.planned_start.astimezone(zone)
        end = dialogue.planned_end.astimezone(zone)
        return {
            "type": dialogue.type_id,
            "title": dialogue.title,
            "village": str(village.pk),
            "rw": rw,
            "rt": rt,
            "venue_name": dialogue.venue_name,
            "latitude": dialogue.latitude,
            "longitude": dialogue.longitude,
            "day": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "host": dialogue.host_id,
            "visibility": cls.VISIBILITY_PUBLIC if dialogue.is_public else cls.VISIBILITY_PRIVATE,
        }


class DialogueFilterForm(forms.Form):
    """The filters of the list page (GET); invalid values are simply ignored."""

    area = VillageField(label=_("Desa/kelurahan"), villages=(), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    end = forms.DateField(label=_("Until"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from kamtibmas.engagements.models import DialogueStatus

        super().__init__(*args, **kwargs)
        self.fields["area"] = VillageField(
            label=_("Desa/kelurahan"),
            villages=villages_visible_to(user),
            empty_label=_("All"),
            required=False,
        )
        type_field = self.fields["type"]
        assert isinstance(type_field, forms.ChoiceField)
        type_field.choices = [
            ("", _("All")),
            *((t.code, t.name) for t in DialogueType.objects.order_by("position", "code")),
        ]
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)
        status_field.choices = [("", _("All")), *DialogueStatus.choices]


class HeldForm(forms.Form):
    """It took place: from when (local time of the area), and until when if known."""

    day = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("Started at"), widget=TIME_WIDGET)
    end_time = forms.TimeField(
        label=_("Ended at"),
        required=False,
        widget=TIME_WIDGET,
        help_text=_("Leave empty while it is still going on."),
    )

    FIELDS_BY_CODE = {"held_in_future": "start_time", "actual_end": "end_time",
                      "actual_length": "end_time"}  # fmt: skip

    def instants(self, zone: str) -> tuple[datetime, datetime | None]:
        day = self.cleaned_data["day"]
        start = local_instant(day, self.cleaned_data["start_time"], zone)
        end_time = self.cleaned_data.get("end_time")
        return start, local_instant(day, end_time, zone) if end_time else None


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=255, required=False)

    FIELDS_BY_CODE = {"reason_required": "reason"}


class AttendanceForm(forms.Form):
    residents = forms.IntegerField(label=_("Residents"), min_value=0, widget=number_widget())
    leaders = forms.IntegerField(label=_("Community leaders"), min_value=0, widget=number_widget())
    children = forms.IntegerField(label=_("Children"), min_value=0, widget=number_widget())


class TopicsForm(forms.Form):
    """One checkbox and a note per outreach topic in use (and any already recorded)."""

    def __init__(
        self,
        *args: Any,
        topics: Iterable[OutreachTopic],
        delivered: Mapping[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.topics = list(topics)
        for topic in self.topics:
            self.fields[f"topic_{topic.code}"] = forms.BooleanField(
                label=topic.name, required=False, initial=topic.pk in delivered
            )
            self.fields[f"notes_{topic.code}"] = forms.CharField(
                label=_("Notes on “%(topic)s”") % {"topic": topic.name},
                required=False,
                max_length=2000,
                initial=delivered.get(topic.pk, ""),
            )

    def rows(self) -> list[tuple[OutreachTopic, forms.BoundField, forms.BoundField]]:
        return [
            (topic, self[f"topic_{topic.code}"], self[f"notes_{topic.code}"])
            for topic in self.topics
        ]

    def chosen(self) -> dict[int, tuple[OutreachTopic, str]]:
        """Ticked topics by id, with their notes."""
        return {
            topic.pk: (topic, self.cleaned_data.get(f"notes_{topic.code}", ""))
            for topic in self.topics
            if self.cleaned_data.get(f"topic_{topic.code}")
        }


class OfficialForm(forms.Form):
    position = forms.CharField(
        label=_("Position"),
        max_length=120,
        required=False,
        help_text=_("For example: Ketua RW 024, Lurah."),
    )
    institution = forms.CharField(label=_("Institution"), max_length=160, required=False)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)

    FIELDS_BY_CODE = {"position_required": "position"}


class AnswerForm(forms.Form):
    question = forms.CharField(
        label=_("Question or concern"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    answer = forms.CharField(
        label=_("Answer given on the spot"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    answered_by = forms.CharField(label=_("Answered by"), max_length=120, required=False)

    FIELDS_BY_CODE = {"question_required": "question"}


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class FindingPhotoForm(forms.Form):
    """The photo of one inspection finding (checked like every photo)."""

    photo = forms.FileField(
        label=_("Photo of the finding"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    FIELDS_BY_CODE = {"photo_not_image": "photo", "photo_too_large": "photo"}


class PhotoForm(forms.Form):
    # A plain file field: whether it is a picture is decided from its content by
    # ``engagements.photos``, not by its name or the browser's claim.
    photo = forms.FileField(
        label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    caption = forms.CharField(label=_("Caption"), max_length=CAPTION_MAX_LENGTH, required=False)

    FIELDS_BY_CODE = {
        "photo_not_image": "photo",
        "photo_too_large": "photo",
        "caption_length": "caption",
    }


class SignInForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    group = forms.ChoiceField(label=_("Group"), choices=AttendeeGroup.choices)
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    consent = forms.BooleanField(
        label=_("The person agrees to be on the sign-in list"), required=False
    )

    FIELDS_BY_CODE = {
        "consent_required": "consent",
        "name_required": "name",
        "duplicate_phone": "phone",
        # ``privacy.identifiers.normalise_phone``
        "invalid": "phone",
        "country": "phone",
    }


class InspectionForm(forms.Form):
    """The checklist walk after the dialogue: each item OK, a problem or n/a, with a note.

    Items left without a result are not recorded.
    """

    day = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    time = forms.TimeField(label=_("Time"), widget=TIME_WIDGET)
    notes = forms.CharField(
        label=_("General notes"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_owner = OfficerChoiceField(
        label=_("Who follows up the problems found"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The host officer"),
    )
    follow_up_due = forms.DateField(
        label=_("Problems to be solved by"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("Leave empty for two weeks from today."),
    )

    def __init__(
        self,
        *args: Any,
        items: Iterable[InspectionItem],
        findings: Iterable[InspectionFinding],
        officers: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["follow_up_owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = officers
        found = {finding.item_id: finding for finding in findings}
        self.items = list(items)
        known = {item.pk for item in self.items}
        self.items += [f.item for f in found.values() if f.item_id not in known]
        for item in self.items:
            finding = found.get(item.pk)
            self.fields[f"result_{item.code}"] = forms.ChoiceField(
                label=item.name,
                required=False,
                choices=FindingResult.choices,
                widget=forms.RadioSelect,
                initial=finding.result if finding else None,
            )
            self.fields[f"note_{item.code}"] = forms.CharField(
                label=_("Note on “%(item)s”") % {"item": item.name},
                required=False,
                max_length=2000,
                initial=finding.note if finding else "",
            )

    def rows(self) -> list[tuple[InspectionItem, forms.BoundField, forms.BoundField]]:
        return [
            (item, self[f"result_{item.code}"], self[f"note_{item.code}"]) for item in self.items
        ]

    def findings(self) -> list[FindingInput]:
        return [
            FindingInput(
                item=item,
                result=self.cleaned_data[f"result_{item.code}"],
                note=self.cleaned_data.get(f"note_{item.code}", ""),
            )
            for item in self.items
            if self.cleaned_data.get(f"result_{item.code}")
        ]


class FollowUpForm(forms.Form):
    title = forms.CharField(label=_("What is to be done"), max_length=255, required=False)
    owner = OfficerChoiceField(label=_("Who does it"), queryset=User.objects.none())
    due_date = forms.DateField(label=_("By when"), widget=DATE_WIDGET)

    FIELDS_BY_CODE = {"title_required": "title", "due_in_past": "due_date",
                      "owner_scope": "owner"}  # fmt: skip

    def __init__(self, *args: Any, officers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)
        owner_field.queryset = officers


class FollowUpCloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), max_length=2000, required=False)

    FIELDS_BY_CODE = {"reason_required": "outcome"}
