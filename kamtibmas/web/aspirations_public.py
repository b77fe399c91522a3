"""Public pages of aspirations (§4 C2, C7, §6): send a report, follow it by its
receipt code, and read public cases by their number. No account needed.

The receipt code is the only key to a case: it appears once, on the page that
answers the form's POST (never in a redirect's URL, so no server log holds it), and
every form of the tracking page sends it in the POST body. Pages that show or take a
code are never cached nor indexed, and the tracking pages, whose address may hold the
code (``/track/<code>``, §6), send no Referer. The reporter's identity is
never shown here. Anonymous reports (SECURITY.md 14) are taken without reading the
visitor's account, address or browser, and their times are shown as days.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kamtibmas.accounts.models import Role, User
from kamtibmas.areas.models import Area, AreaLevel
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create
from kamtibmas.aspirations.lifecycle import OPEN_STATES
from kamtibmas.aspirations.models import (
    TEXT_MAX_LENGTH,
    Aspiration,
    AspirationUpdate,
    Privacy,
    Source,
    Status,
)
from kamtibmas.aspirations.selectors import (
    aspiration_updates,
    duplicate_candidates,
    public_area,
    public_cases_version,
)
from kamtibmas.aspirations.services import (
    MAX_PHOTOS,
    Submitted,
    aspiration_message_from_reporter,
    aspiration_submit,
    survey_answer,
    survey_open_for,
)
from kamtibmas.aspirations.tracking import TrackingThrottled, aspiration_track
from kamtibmas.core.throttle import Limit, throttle_allow
from kamtibmas.web.dialogues import place_label
from kamtibmas.web.forms_aspirations import (
    FIELDS_BY_CODE,
    AspirationForm,
    MessageForm,
    SimilarForm,
    SurveyForm,
    TrackForm,
    villages_covered,
)
from kamtibmas.web.pagecache import page_cached

INVALID = 400
SIMILAR_MIN_CHARS = 20
SIMILAR_TEXT_SHOWN = 140
# Typing a report asks a few times; a script asking thousands of times gets nothing.
SIMILAR_PER_CLIENT = Limit(attempts=300, seconds=3600)
SIMILAR_OVERALL = Limit(attempts=100_000, seconds=3600)


# ---- helpers shared with the staff intake ---------------------------------------------


def place_resolve(village: Area, rw: int | None, rt: int | None, *, create: bool) -> Area:
    """The area a form names: the village, or an RW/RT in it.

    With ``create`` a missing RW or RT is created (call it inside the transaction of
    the write that uses it). Without, only RW and RT already known are used and the
    rest is dropped: an anonymous report must not create an area row, whose creation
    time would tell when it was sent (SECURITY.md 14).
    """
    area = village
    if rw is None:
        return area
    if create:
        area = area_rw_get_or_create(village=village, number=rw)
        return area_rt_get_or_create(rw=area, number=rt) if rt is not None else area
    # RW and RT codes end in their three-digit numbers (``areas.services``).
    known = Area.objects.filter(code=f"{village.code}.{rw:03d}", level=AreaLevel.RW).first()
    if known is None:
        return village
    if rt is None:
        return known
    return Area.objects.filter(code=f"{known.code}.{rt:03d}", level=AreaLevel.RT).first() or known


def service_errors(form: Any, error: ValidationError, rename: dict[str, str]) -> None:
    """Show a service's ``ValidationError`` on ``form``: next to the field it names
    (``rename`` maps the service's names to the form's), else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            field = rename.get(name, name)
            form.add_error(field if field in form.fields else None, errors)
        return
    for item in error.error_list:
        target = FIELDS_BY_CODE.get(item.code or "")
        form.add_error(target if target in form.fields else None, item)


def unindexed(response: HttpResponse) -> HttpResponse:
    """A page that shows a receipt code: no search engine keeps it (and ``never_cache``
    keeps every cache from storing it)."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def tracking_page(response: HttpResponse) -> HttpResponse:
    """Headers of the tracking pages, whose address may hold the receipt code
    (``/track/<code>``): besides being unindexed, they send only the site's origin as
    Referer, never the path, so the code reaches neither another site nor our own
    logs of the files the page loads. (``no-referrer`` would also do that, but makes
    browsers send ``Origin: null`` with the page's forms, which the CSRF check
    rightly refuses.)"""
    response["Referrer-Policy"] = "strict-origin"
    return unindexed(response)


def place_public(case: Aspiration) -> str:
    """Where the case is, as the public may read it: the kelurahan (with its RT/RW
    for public cases only) and its kecamatan."""
    area = public_area(case)
    district = area.district if area.district_id else None
    label = place_label(area)
    if area.level >= AreaLevel.VILLAGE and district is not None:
        label = f"{label}, {district}"
    return label


# ---- sending a report -------------------------------------------------------------------


def _form_page(request: HttpRequest, form: AspirationForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "web/aspirations/new.html",
        {
            "form": form,
            "max_photos": MAX_PHOTOS,
            "similar_min_chars": SIMILAR_MIN_CHARS,
            "text_max": TEXT_MAX_LENGTH,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def aspiration_new(request: HttpRequest) -> HttpResponse:
    """The public form; its POST answers with the receipt code, shown this once."""
    villages = villages_covered()
    if request.method != "POST":
        return _form_page(request, AspirationForm(villages=villages))
    form = AspirationForm(request.POST, request.FILES, villages=villages)
    if form.is_valid():
        data = form.cleaned_data
        anonymous = data["privacy"] == Privacy.ANONYMOUS
        user = request.user
        # A resident's own account follows a named report; an anonymous one reads nobody.
        account = (
            user
            if not anonymous and isinstance(user, User) and user.role == Role.RESIDENT
            else None
        )
        try:
            with transaction.atomic():
                village = data["village"]
                area = (
                    place_resolve(village, data["rw"], data["rt"], create=not anonymous)
                    if village is not None
                    else None
                )
                submitted = aspiration_submit(
                    text=data["text"],
                    area=area,
                    privacy=data["privacy"],
                    source=Source.WEB,
                    reporter=account,
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    reporter_email=data["reporter_email"],
                    notify_by=data["notify_by"],
                    category=data["category"] or None,
                    urgency=data["urgency"] or None,
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    photos=data["photos"],
                )
        except ValidationError as error:
            service_errors(form, error, {"area": "village"})
        else:
            return _submitted_page(request, submitted)
    return _form_page(request, form, status=INVALID)


def _submitted_page(request: HttpRequest, submitted: Submitted) -> HttpResponse:
    code = submitted.receipt_code
    return unindexed(
        render(
            request,
            "web/aspirations/submitted.html",
            {
                "case": submitted.aspiration,
                "code": code,
                "code_groups": code.split("-"),
                "track_url": reverse("web:track-code", args=[code]),
                "is_emergency": submitted.is_emergency,
            },
        )
    )


@never_cache
@require_POST
def aspiration_similar(request: HttpRequest) -> JsonResponse:
    """Public cases like the one being typed (``POST``, so that a draft never lands in
    a URL or a server log): number, kelurahan, status and the start of the text.
    With the phone's coordinates, cases of neighbouring kelurahan within a kilometre
    are offered too (``duplicate_candidates``)."""
    if not throttle_allow(
        scope="similar", request=request, per_client=SIMILAR_PER_CLIENT, overall=SIMILAR_OVERALL
    ):
        return JsonResponse({"results": []}, status=429)
    form = SimilarForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"results": []}, status=INVALID)
    text, village_id = form.cleaned_data["text"], form.cleaned_data["village"]
    village = (
        Area.objects.select_related("district")
        .filter(pk=village_id, level=AreaLevel.VILLAGE)
        .first()
        if village_id
        else None
    )
    if village is None or len(text.strip()) < SIMILAR_MIN_CHARS:
        return JsonResponse({"results": []})
    results = [
        {
            "number": case.number,
            "area": str(case.area.village or case.area),
            "status": case.status,
            "status_label": str(Status(case.status).label),
            "text": _shortened(case.text),
            "url": reverse("web:aspiration-public", args=[case.number]),
        }
        for case, _score in duplicate_candidates(
            text=text,
            area=village,
            user=None,
            latitude=form.cleaned_data["latitude"],
            longitude=form.cleaned_data["longitude"],
        )
    ]
    return JsonResponse({"results": results})


def _shortened(text: str) -> str:
    if len(text) <= SIMILAR_TEXT_SHOWN:
        return text
    return text[: SIMILAR_TEXT_SHOWN - 1].rstrip() + "…"


def _cases_version(number: str) -> str:
    return "{}.{}".format(*public_cases_version())


@require_safe
@page_cached(version=_cases_version)
def aspiration_public(request: HttpRequest, number: str) -> HttpResponse:
    """A public case by its number: text, place, status and public updates. Cases
    that are confidential, anonymous or rejected as spam are not found here."""
    case = get_object_or_404(
        Aspiration.objects.select_related(
            "area", "area__village", "area__district", "duplicate_of"
        ).exclude(status=Status.REJECTED),
        number=number.upper(),
        privacy=Privacy.PUBLIC,
    )
    original = case.duplicate_of
    return render(
        request,
        "web/aspirations/public.html",
        {
            "case": case,
            "place": place_public(case),
            "updates": aspiration_updates(aspiration=case, public_only=True),
            "original": original,
            "original_public": original is not None and original.privacy == Privacy.PUBLIC,
        },
    )


# ---- following a report by its code --------------------------------------------------


def _track_form_page(
    request: HttpRequest, form: TrackForm, *, status: int = 200, reason: str = ""
) -> HttpResponse:
    return tracking_page(
        render(
            request,
            "web/aspirations/track_form.html",
            {"form": form, "reason": reason},
            status=status,
        )
    )


def _track_page(
    request: HttpRequest,
    case: Aspiration,
    code: str,
    *,
    status: int = 200,
    message_form: MessageForm | None = None,
    survey_form: SurveyForm | None = None,
    notice: str = "",
    problems: list[str] | None = None,
) -> HttpResponse:
    updates: list[AspirationUpdate] = aspiration_updates(aspiration=case, public_only=True)
    is_open = Status(case.status) in OPEN_STATES
    original = case.duplicate_of
    return tracking_page(
        render(
            request,
            "web/aspirations/track.html",
            {
                "case": case,
                "code": code,
                "place": place_public(case),
                "updates": updates,
                "is_open": is_open,
                "show_verify_by": case.status in (Status.RECEIVED, Status.REOPENED)
                and case.verify_by is not None,
                "survey": survey_open_for(case),
                "message_form": message_form or MessageForm(),
                "survey_form": survey_form or SurveyForm(),
                "notice": notice,
                "problems": problems or [],
                "original": original,
                "original_public": original is not None and original.privacy == Privacy.PUBLIC,
            },
            status=status,
        )
    )


def _tracked(request: HttpRequest, code: str) -> tuple[Aspiration | None, HttpResponse | None]:
    """The case behind ``code``, or the page that says why there is none."""
    try:
        case = aspiration_track(code=code, request=request)
    except TrackingThrottled:
        form = TrackForm(initial={"code": code})
        return None, _track_form_page(
            request,
            form,
            status=429,
            reason=_(
                "Too many wrong codes were tried from your connection. Wait an hour and try "
                "again. If it is urgent, call 110."
            ),
        )
    if case is None:
        form = TrackForm(initial={"code": code})
        return None, _track_form_page(
            request,
            form,
            status=404,
            reason=_(
                "No report has this receipt code. Check the code on your slip: it has 16 "
                "letters and digits in four groups, like 7F3Q-9X2M-K4TD-HW8R."
            ),
        )
    return case, None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """GET: a form for the code. POST: the case (``intent`` "open"), or a message to
    its handlers ("message"), or the follow-up questionnaire ("survey"); the code
    travels in the body, never in the URL.
    """
    if request.method != "POST":
        return _track_form_page(request, TrackForm())
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_form_page(request, form, status=INVALID)
    code = form.cleaned_data["code"].strip()
    case, refusal = _tracked(request, code)
    if refusal is not None:
        return refusal
    assert case is not None
    intent = request.POST.get("intent", "open")
    if intent == "message":
        return _message(request, case, code)
    if intent == "survey":
        return _survey(request, case, code)
    return _track_page(request, case, code)


@never_cache
@require_safe
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    """``/track/<code>`` (§6): the link printed on slips and in notifications."""
    case, refusal = _tracked(request, code)
    if refusal is not None:
        return refusal
    assert case is not None
    return _track_page(request, case, code)


def _message(request: HttpRequest, case: Aspiration, code: str) -> HttpResponse:
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            aspiration_message_from_reporter(aspiration=case, text=form.cleaned_data["text"])
        except ValidationError as error:
            service_errors(form, error, {})
        else:
            return _track_page(
                request,
                case,
                code,
                notice=_("Your message was sent to the officers handling your report."),
            )
    return _track_page(request, case, code, status=INVALID, message_form=form)


def _survey(request: HttpRequest, case: Aspiration, code: str) -> HttpResponse:
    form = SurveyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            survey_answer(
                aspiration=case,
                fixed=data["fixed"],
                satisfaction=data["satisfaction"],
                safety=data["safety"],
                comment=data["comment"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                service_errors(form, error, {})
            else:
                return _track_page(
                    request, case, code, status=INVALID, problems=list(error.messages)
                )
        else:
            case.refresh_from_db()
            notice = (
                _("Thank you for your answers.")
                if data["fixed"]
                else _(
                    "Thank you. Your report is reopened and the officers handling it are told "
                    "that the problem is not fixed."
                )
            )
            return _track_page(request, case, code, notice=notice)
    return _track_page(request, case, code, status=INVALID, survey_form=form)


urlpatterns: list[URLPattern] = [
    path("aspirations/new/", aspiration_new, name="aspiration-new"),
    path("aspirations/similar", aspiration_similar, name="aspiration-similar"),
    re_path(
        r"^aspirations/(?P<number>[Aa][Ss][Pp]-[0-9A-Za-z]{4}-[0-9A-Za-z]{4})/$",
        aspiration_public,
        name="aspiration-public",
    ),
    path("track/", track, name="track"),
    path("track/<str:code>", track_code, name="track-code"),
]
