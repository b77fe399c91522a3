"""Public pages of loss reports and certificates (§4 C3, C7, §6): a resident reports
lost documents and learns where to finish the report and what to bring; anyone
checks a certificate's QR code. No account needed.

The report's receipt code (80 bits, stored only as its SHA-256, SECURITY.md 11) is,
for a visitor without an account, the only key to it: it appears once, on the page
that answers the form's POST (never in a redirect's URL, so no server log holds it),
and the status page takes it in a POST body, throttled against guessing like the
aspiration receipt code. The report's reference (its name at the desk) is not a key.
Pages that show or take a code are never cached nor indexed, and show neither the
NIK, the address nor the phone number: only the masked name (``qr.mask_name``), as the QR does.

``/verify/<text>`` (§6) says whether a certificate's QR text is genuine and still
valid, with the reason in plain words. It shows the public claims of a correctly
signed text only (``certificate_verify`` reads the database for nothing else), so a
forged text gets the same page whatever number it names (SECURITY.md 17).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from kamtibmas.accounts.models import User
from kamtibmas.areas.models import Area, Unit, UnitKind
from kamtibmas.areas.selectors import post_nearest
from kamtibmas.aspirations.services import covering_units
from kamtibmas.certificates.catalogue import ITEM_TYPE_BY_CODE, ItemType
from kamtibmas.certificates.models import Certificate, LossReport, ReportSource, ReportStatus
from kamtibmas.certificates.qr import MAX_TEXT_LENGTH, ClaimsError, mask_name
from kamtibmas.certificates.selectors import certificate_verify, loss_report_by_receipt
from kamtibmas.certificates.services import loss_report_contact_consent, loss_report_start
from kamtibmas.certificates.verify import Reason, Verdict
from kamtibmas.core.throttle import Limit, client_key, throttle_count, throttle_exceeded
from kamtibmas.web.aspirations_public import tracking_page, unindexed
from kamtibmas.web.forms_aspirations import villages_covered
from kamtibmas.web.forms_certificates_public import ConsentForm, LossReportForm, ReceiptForm

INVALID = 400
#: Units where a resident finishes a report: the posts and the Polsek's SPKT desk.
DESK_KINDS = (UnitKind.POST, UnitKind.POLSEK)
POSTS_SHOWN = 4
# A family reports a few losses a year; a script sending hundreds fills the desk's list.
REPORT_SCOPE = "loss-report"
REPORTS_PER_CLIENT = Limit(attempts=20, seconds=3600)
REPORTS_OVERALL = Limit(attempts=10_000, seconds=3600)
# Wrong receipt codes (80 bits) per client and in all, as for aspiration receipt codes.
REFERENCE_SCOPE = "loss-reference"
REFERENCES_PER_CLIENT = Limit(attempts=10, seconds=3600)
REFERENCES_OVERALL = Limit(attempts=1000, seconds=3600)
# A counter clerk checks a few letters an hour, a phone behind a shared (carrier)
# address a few hundred; a script checking thousands learns nothing (SECURITY.md 17)
# but is not served either.
VERIFY_SCOPE = "verify"
VERIFY_PER_CLIENT = Limit(attempts=600, seconds=3600)
# A revocation shows everywhere within a minute (browsers keep the page this long).
VERIFY_CACHE_SECONDS = 30
# A pasted QR address is the text plus the site's address in front of it.
VERIFY_INPUT_MAX = MAX_TEXT_LENGTH + 200

REASONS: dict[Reason, str | Promise] = {
    Reason.MALFORMED: gettext_lazy(
        "This is not a complete certificate code. Scan the QR code again, or copy the "
        "whole address it holds."
    ),
    Reason.UNKNOWN_KEY: gettext_lazy(
        "The code was not signed by this service: the letter was not issued through it."
    ),
    Reason.COMPROMISED_KEY: gettext_lazy(
        "The key that signed this code is no longer trusted. Ask the police unit that "
        "issued the letter for a new one."
    ),
    Reason.BAD_SIGNATURE: gettext_lazy(
        "The signature does not match the content: the code was changed or forged."
    ),
    Reason.REVOKED: gettext_lazy("The police unit that issued this certificate revoked it."),
    Reason.NOT_YET_VALID: gettext_lazy("This certificate is dated after today."),
    Reason.EXPIRED: gettext_lazy("This certificate has expired."),
}


# ---- the nearest post -------------------------------------------------------------------


@dataclass(frozen=True)
class PostOption:
    unit: Unit
    distance_km: float | None


def desk_unit(pk: int | None) -> Unit | None:
    """A post or Polsek by id: where a resident may finish a report. Units and their
    addresses are public (the portal shows them to anyone), so nothing is scoped."""
    if pk is None:
        return None
    return Unit.objects.filter(pk=pk, kind__in=DESK_KINDS).first()


def post_options(
    *, village: Area | None, latitude: float | None, longitude: float | None, chosen: Unit | None
) -> list[PostOption]:
    """Posts to offer: the nearest to the phone's position, then those covering the
    chosen kelurahan (its post before its Polsek), the chosen one always among them."""
    options: list[PostOption] = []
    if latitude is not None and longitude is not None:
        options += [
            PostOption(unit, distance)
            for unit, distance in post_nearest(
                latitude=latitude, longitude=longitude, limit=POSTS_SHOWN - 1, kinds=DESK_KINDS
            )
        ]
    if village is not None:
        covering = sorted(
            (unit for unit in covering_units(village) if unit.kind in DESK_KINDS),
            key=lambda unit: -unit.depth,
        )
        units = Unit.objects.in_bulk([unit.id for unit in covering])
        options += [PostOption(units[unit.id], None) for unit in covering if unit.id in units]
    if chosen is not None:
        options.insert(0, PostOption(chosen, None))
    seen: set[int] = set()
    unique = []
    for option in options:
        if option.unit.pk not in seen:
            seen.add(option.unit.pk)
            unique.append(option)
    return unique[:POSTS_SHOWN]


# ---- what to bring ------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistEntry:
    item: ItemType
    bring: tuple[str | Promise, ...]


def checklist_for(codes: list[str]) -> list[ChecklistEntry]:
    """For each lost item once, in order: the body that replaces it and what it asks for."""
    return [
        ChecklistEntry(ITEM_TYPE_BY_CODE[code], ITEM_TYPE_BY_CODE[code].bring)
        for code in dict.fromkeys(codes)
        if code in ITEM_TYPE_BY_CODE
    ]


def reference_groups(reference: str) -> list[str]:
    """ "ABCDEFGHJK" → ["ABCDE", "FGHJK"]: easier to read aloud and to copy by hand."""
    return [reference[i : i + 5] for i in range(0, len(reference), 5)]


# ---- reporting a loss -------------------------------------------------------------------------


def _service_errors(form: LossReportForm, error: ValidationError) -> None:
    """Show ``loss_report_start``'s reasons next to the fields they concern:
    ``items.<i>.<field>`` is the field of the i-th ticked item."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    items = form.cleaned_data.get("item_list", [])
    for name, errors in error.error_dict.items():
        target: str | None = name
        if name.startswith("items."):
            parts = name.split(".")
            index = int(parts[1]) if parts[1].isdigit() else -1
            target = "items"
            if len(parts) == 3 and 0 <= index < len(items):
                candidate = f"{items[index]['type']}-{parts[2]}"
                target = candidate if candidate in form.fields else "items"
        form.add_error(target if target in form.fields else None, errors)


def _initial(data: Any) -> dict[str, Any]:
    """A submitted form's values as initial values (shown without errors)."""
    initial = {key: data.get(key) for key in data if key != "csrfmiddlewaretoken"}
    initial["items"] = data.getlist("items")
    return initial


def _start_page(
    request: HttpRequest,
    form: LossReportForm,
    *,
    options: list[PostOption],
    chosen_post: int | None,
    status: int = 200,
    searched: bool = False,
) -> HttpResponse:
    checkboxes = {widget.data["value"]: widget for widget in form["items"]}
    checked = chosen_post or (options[0].unit.pk if options else None)
    return unindexed(
        render(
            request,
            "web/loss/start.html",
            {
                "form": form,
                "items": [
                    {
                        "item": entry.item,
                        "checkbox": checkboxes[entry.item.code],
                        "fields": [form[name] for name in entry.names],
                    }
                    for entry in form.item_fields
                ],
                "items_errors": form["items"].errors,
                "options": options,
                "checked_post": checked,
                "searched": searched,
                "open_identity": form.optional_identity_given,
            },
            status=status,
        )
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def loss_start(request: HttpRequest) -> HttpResponse:
    """The resident's report; its POST answers with the reference, shown this once.

    The button "Show posts" (``intent=find``) only shows the posts near the chosen
    kelurahan or position, keeping what was typed; nothing is stored until the
    report is sent (``intent=submit``, also what Enter in any field does)."""
    villages = villages_covered()
    if request.method != "POST":
        return _start_page(request, LossReportForm(villages=villages), options=[], chosen_post=None)
    form = LossReportForm(request.POST, villages=villages)
    valid = form.is_valid()
    data = form.cleaned_data
    chosen = desk_unit(data.get("post"))
    coordinates = "latitude" not in form.errors and "longitude" not in form.errors
    options = post_options(
        village=data.get("village"),
        latitude=data.get("latitude") if coordinates else None,
        longitude=data.get("longitude") if coordinates else None,
        chosen=chosen,
    )
    if request.POST.get("intent") == "find":
        return _start_page(
            request,
            LossReportForm(initial=_initial(request.POST), villages=villages),
            options=options,
            chosen_post=chosen.pk if chosen else None,
            searched=bool(data.get("village") or data.get("latitude") is not None),
        )
    if chosen is None and "post" not in form.errors:
        form.add_error(
            "post",
            ValidationError(
                _("Choose the post where you will finish the report.")
                if options
                else _(
                    "Choose the post where you will finish the report: choose your "
                    "kelurahan or use your location, then press “Show posts”."
                ),
                code="required",
            ),
        )
    elif valid and chosen is not None:
        report, status = _report_send(request, form, chosen)
        if report is not None:
            return _submitted_page(request, report, chosen)
        return _start_page(request, form, options=options, chosen_post=chosen.pk, status=status)
    return _start_page(
        request, form, options=options, chosen_post=chosen.pk if chosen else None, status=INVALID
    )


def _report_send(
    request: HttpRequest, form: LossReportForm, unit: Unit
) -> tuple[LossReport | None, int]:
    """Start the report through the service; else the reasons go on ``form`` and the
    status to answer with is returned."""
    who = client_key(request)
    if throttle_exceeded(scope=REPORT_SCOPE, who=who, limit=REPORTS_PER_CLIENT) or (
        throttle_exceeded(scope=REPORT_SCOPE, who="*", limit=REPORTS_OVERALL)
    ):
        form.add_error(
            None,
            _(
                "Too many reports were sent from your connection. Wait an hour, or report "
                "the loss at the post."
            ),
        )
        return None, 429
    data = form.cleaned_data
    user = request.user
    try:
        report = loss_report_start(
            actor=user if isinstance(user, User) else None,
            source=ReportSource.WEB,
            unit=unit,
            identity=form.identity(),
            items=data["item_list"],
            lost_on=data["lost_on"],
            lost_time=data["lost_time"],
            lost_place=data["lost_place"],
            circumstances=data["circumstances"],
            reporter_consents_contact=data["reporter_consents_contact"],
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    except PermissionDenied as refusal:
        form.add_error(None, str(refusal))
        return None, 403
    except ValidationError as error:
        _service_errors(form, error)
        return None, INVALID
    throttle_count(scope=REPORT_SCOPE, who=who, limit=REPORTS_PER_CLIENT)
    throttle_count(scope=REPORT_SCOPE, who="*", limit=REPORTS_OVERALL)
    return report, 200


def _submitted_page(request: HttpRequest, report: LossReport, unit: Unit) -> HttpResponse:
    codes = _item_codes(report)
    return unindexed(
        render(
            request,
            "web/loss/submitted.html",
            {
                "report": report,
                "code": report.receipt_code,
                "code_groups": report.receipt_code.split("-"),
                "unit": unit,
                "checklist": checklist_for(codes),
                "at_post": True,
            },
        )
    )


def _item_codes(report: LossReport) -> list[str]:
    return list(report.items.order_by("position", "id").values_list("item_type", flat=True))


# ---- the status of a report, by its receipt code --------------------------------------------


class ReferenceThrottled(Exception):
    """Too many wrong codes from this client, or from everyone: try again later."""


def loss_report_by_code(*, text: str, request: HttpRequest) -> LossReport | None:
    """The report behind a receipt code, ``None`` for a wrong one (counted against the
    client and overall), ``ReferenceThrottled`` when too many were wrong. Right
    codes are not counted: a resident checking often is never locked out."""
    who = client_key(request)
    if throttle_exceeded(
        scope=REFERENCE_SCOPE, who=who, limit=REFERENCES_PER_CLIENT
    ) or throttle_exceeded(scope=REFERENCE_SCOPE, who="*", limit=REFERENCES_OVERALL):
        raise ReferenceThrottled
    # The code is the bearer's key to this one report (it has no other scope).
    report = loss_report_by_receipt(text)
    if report is None:
        throttle_count(scope=REFERENCE_SCOPE, who=who, limit=REFERENCES_PER_CLIENT)
        throttle_count(scope=REFERENCE_SCOPE, who="*", limit=REFERENCES_OVERALL)
    return report


def _status_form_page(
    request: HttpRequest, form: ReceiptForm, *, status: int = 200, reason: str = ""
) -> HttpResponse:
    return unindexed(
        render(
            request, "web/loss/status_form.html", {"form": form, "reason": reason}, status=status
        )
    )


def _masked_name(report: LossReport) -> str:
    try:
        return mask_name(report.name or "")
    except ClaimsError:  # a NIK typed as a name is never shown, not even masked
        return "***"


def _status_page(
    request: HttpRequest,
    report: LossReport,
    *,
    code: str,
    status: int = 200,
    notice: str = "",
) -> HttpResponse:
    codes = _item_codes(report)
    certificate = Certificate.objects.filter(report=report).first()
    officer = report.handling_officer if report.contact_shared else None
    return unindexed(
        render(
            request,
            "web/loss/status.html",
            {
                "report": report,
                "reference_groups": reference_groups(report.reference),
                "code": code,
                "masked_name": _masked_name(report),
                "items": [ITEM_TYPE_BY_CODE[code] for code in codes if code in ITEM_TYPE_BY_CODE],
                "unit": report.unit,
                "certificate": certificate,
                "checklist": checklist_for(codes)
                if report.status != ReportStatus.WITHDRAWN
                else [],
                "at_post": report.status in (ReportStatus.DRAFT, ReportStatus.READY),
                "officer": officer,
                "officer_phone": (officer.phone or "") if officer is not None else "",
                # Holding the receipt code is what makes the visitor the reporter here.
                "may_consent": report.status != ReportStatus.WITHDRAWN,
                "notice": notice,
            },
            status=status,
        )
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def loss_status(request: HttpRequest) -> HttpResponse:
    """GET: a form for the receipt code. POST: the report's status (``intent``
    "open"), or the resident's answer about being contacted ("consent"); the code
    travels in the body, never in the URL."""
    if request.method != "POST":
        return _status_form_page(request, ReceiptForm())
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return _status_form_page(request, form, status=INVALID)
    text = form.cleaned_data["code"]
    try:
        report = loss_report_by_code(text=text, request=request)
    except ReferenceThrottled:
        return _status_form_page(
            request,
            ReceiptForm(initial={"code": text}),
            status=429,
            reason=_(
                "Too many wrong codes were tried from your connection. Wait an hour and "
                "try again, or ask at the post."
            ),
        )
    if report is None:
        return _status_form_page(
            request,
            ReceiptForm(initial={"code": text}),
            status=404,
            reason=_(
                "No loss report has this receipt code. It has 16 letters and digits in four "
                "groups, like 7F3Q-9X2M-K4TD-HW8R: check it on the page you saw after "
                "sending the report."
            ),
        )
    if request.POST.get("intent") == "consent":
        return _consent(request, report, code=text)
    return _status_page(request, report, code=text)


def _consent(request: HttpRequest, report: LossReport, *, code: str) -> HttpResponse:
    """The resident's answer, given by whoever holds the report's receipt code."""
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _status_page(request, report, code=code, status=INVALID)
    consents = form.cleaned_data["consents"]
    report = loss_report_contact_consent(
        actor=None, report=report, consents=consents, receipt_code=code
    )
    report = LossReport.objects.select_related("unit", "handling_officer").get(pk=report.pk)
    return _status_page(
        request,
        report,
        code=code,
        notice=_("Thank you: the officer handling your report may now contact you.")
        if consents
        else _("Your answer is saved: the officer's name and contact are no longer shown."),
    )


# ---- verifying a certificate ------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What the page shows of a correctly signed certificate: the QR's public claims."""

    number: str
    name: str
    items: list[str | Promise]
    issued: date
    valid_until: date
    unit: str


def _shown(verdict: Verdict) -> Shown | None:
    claims = verdict.certificate
    if claims is None:
        return None
    return Shown(
        number=claims.no,
        name=claims.name,
        items=[
            ITEM_TYPE_BY_CODE[code].label if code in ITEM_TYPE_BY_CODE else code
            for code in claims.items
        ],
        issued=claims.iat,
        valid_until=claims.exp,
        unit=claims.unit,
    )


def qr_text_from(value: str) -> str:
    """The ``<payload>.<signature>`` part of what someone pasted: the text itself, or
    the whole address the QR holds (line breaks and spaces are never part of it)."""
    text = "".join(value.split())
    marker = "/verify/"
    if marker in text:
        text = text.rsplit(marker, 1)[1]
    return text


def _verify_headers(response: HttpResponse, *, cacheable: bool) -> HttpResponse:
    if cacheable:
        patch_cache_control(response, private=True, max_age=VERIFY_CACHE_SECONDS)
    else:
        patch_cache_control(response, no_store=True)
    # The address holds the certificate's text: only the site's origin is ever sent as
    # Referer (``no-referrer`` would make the language switch's POST fail the CSRF
    # check, see ``tracking_page``).
    return tracking_page(response)


def _verify_page(request: HttpRequest, text: str | None, *, empty: bool = False) -> HttpResponse:
    """The verdict on ``text`` (``None``: nothing asked yet). The form is written out
    in the template, not rendered by a form class: this page answers every scan of
    every certificate and should cost little more than ``certificate_verify``."""
    context: dict[str, Any] = {"asked": text is not None, "empty": empty, "max": VERIFY_INPUT_MAX}
    who = client_key(request)
    if throttle_exceeded(scope=VERIFY_SCOPE, who=who, limit=VERIFY_PER_CLIENT):
        context.update(asked=False, throttled=True)
        response = render(request, "web/verify/verify.html", context, status=429)
        return _verify_headers(response, cacheable=False)
    if text is not None:
        throttle_count(scope=VERIFY_SCOPE, who=who, limit=VERIFY_PER_CLIENT)
        verdict = certificate_verify(text)
        context.update(
            valid=verdict.valid,
            reason=REASONS[verdict.reason] if verdict.reason else "",
            reason_code=verdict.reason.value if verdict.reason else "",
            shown=_shown(verdict),
        )
    return _verify_headers(render(request, "web/verify/verify.html", context), cacheable=True)


@require_safe
def certificate_verify_form(request: HttpRequest) -> HttpResponse:
    """``/verify/``: paste a certificate's code or QR address (``?text=``, a GET so the
    answer can be bookmarked like the QR's own address)."""
    raw = request.GET.get("text")
    if raw is None or not raw.strip():
        return _verify_page(request, None, empty=raw is not None)
    # Anything longer than a QR address is cut (and then too long to be one).
    return _verify_page(request, qr_text_from(raw[: VERIFY_INPUT_MAX + 1]))


@require_safe
def certificate_verify_page(request: HttpRequest, text: str) -> HttpResponse:
    """``/verify/<payload>.<signature>`` (§6): the address in a certificate's QR code."""
    return _verify_page(request, text)


urlpatterns: list[URLPattern] = [
    path("loss/", loss_start, name="loss-start"),
    path("loss/status", loss_status, name="loss-status"),
    path("verify/", certificate_verify_form, name="certificate-verify-form"),
    path("verify/<path:text>", certificate_verify_page, name="certificate-verify"),
]
