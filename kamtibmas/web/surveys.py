"""The dialogue survey on the web (issue 10 point 5): the questionnaire a resident's
phone opens from the QR shown at the venue or from a link, and the staff page with
that QR and the results.

The questionnaire needs no account and asks no name. One answer per browser per
dialogue (``surveys.services``): the browser keeps the same random device cookie as
the check-in. The staff page shows counts, means with their 95% confidence intervals
and the free comments; the comments may name people, so reading them is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kamtibmas.engagements.qr import qr_svg
from kamtibmas.engagements.selectors import dialogue_get
from kamtibmas.privacy.models import AuditAction
from kamtibmas.privacy.services import audit_record_many
from kamtibmas.surveys.models import QuestionKind
from kamtibmas.surveys.services import (
    MIN_ANSWERS,
    active_questions,
    survey_dialogue,
    survey_results,
    survey_submit,
    survey_token,
)
from kamtibmas.web.decorators import staff_required
from kamtibmas.web.events import device_key_of, device_remember

INVALID = 400
GONE = 410


def _answer_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    response = render(request, f"web/surveys/{template}", context, status=status)
    response["Cache-Control"] = "private, no-store"
    # The address holds the signed link; search engines have no business keeping it.
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def survey_page(request: HttpRequest, raw: str) -> HttpResponse:
    """The questionnaire, then thanks; a link that is not ours 404, a closed one 410."""
    try:
        dialogue = survey_dialogue(raw)
    except ValidationError as error:
        status = GONE if error.code == "closed" else 404
        return _answer_page(request, "closed.html", {"message": error.messages[0]}, status=status)
    questions = active_questions()
    device_key, new_device = device_key_of(request)
    context: dict[str, Any] = {"dialogue": dialogue, "questions": questions, "errors": {}}
    if request.method == "POST":
        answers = {question.code: request.POST.get(question.code, "") for question in questions}
        try:
            survey_submit(dialogue=dialogue, device_key=device_key, answers=answers)
        except ValidationError as error:
            if getattr(error, "code", None) == "already_answered":
                response = _answer_page(
                    request, "thanks.html", {"dialogue": dialogue, "again": True}
                )
            else:
                context["errors"] = getattr(error, "message_dict", {"": error.messages})
                context["answers"] = answers
                response = _answer_page(request, "survey.html", context, status=INVALID)
        else:
            response = _answer_page(request, "thanks.html", {"dialogue": dialogue})
    else:
        context["answers"] = {}
        response = _answer_page(request, "survey.html", context)
    if new_device:
        device_remember(request, response, device_key)
    return response


@staff_required
@never_cache
@require_GET
def survey_staff_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The survey's link and QR for the venue, and what attendees answered."""
    dialogue = dialogue_get(user=request.user, pk=pk)
    url = request.build_absolute_uri(reverse("web:survey", args=[survey_token(dialogue)]))
    responses = dialogue.survey_responses.all()
    comments = list(responses.exclude(comment__isnull=True).order_by("-answered_on", "-pk"))
    with transaction.atomic():
        audit_record_many(
            actor=request.user,
            action=AuditAction.READ,
            subjects=comments,
            reason="dialogue survey: comments read",
            fields=["comment"],
        )
    context = {
        "dialogue": dialogue,
        "survey_url": url,
        # qr_svg escapes the title and encodes the URL as module paths only.
        "qr": mark_safe(qr_svg(url, title=_("Survey QR code"))),  # noqa: S308
        "results": survey_results(responses),
        "answers": responses.count(),
        "comments": comments,
        "min_answers": MIN_ANSWERS,
        "text_kind": QuestionKind.TEXT,
    }
    response = render(request, "web/surveys/staff.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("survey/<str:raw>/", survey_page, name="survey"),
    path("staff/dialogues/<int:pk>/survey/", survey_staff_page, name="dialogue-survey"),
]
