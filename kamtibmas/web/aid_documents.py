"""The distribution report of an aid program, or of one of its dialogues, as a PDF
for staff (C4, issue 8 point 5).

Protected as the workbooks in ``aid_staff`` are: ``AID_ROLES`` only (others 403,
visitors the login page), a program of another unit is 404 (``aid_program_get``), and
so is a dialogue the program is not handed out at. The report holds counts only, no
names or KK numbers; the answer is a ``no-store`` attachment all the same.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kamtibmas.aid.documents import MEDIA_TYPE, distribution_pdf, distribution_report
from kamtibmas.aid.models import AidProgram
from kamtibmas.aid.reports import distribution_xlsx
from kamtibmas.aid.selectors import aid_distribution_summary, aid_program_get
from kamtibmas.core.scope import visible_to
from kamtibmas.core.xlsx import MEDIA_TYPE as XLSX_MEDIA_TYPE
from kamtibmas.engagements.models import Dialogue
from kamtibmas.web.aid_staff import aid_staff_required


def _attachment(data: bytes, filename: str, media_type: str = MEDIA_TYPE) -> HttpResponse:
    response = HttpResponse(data, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


def _program_dialogue(request: HttpRequest, program: AidProgram, pk: int) -> Dialogue:
    """One of the dialogues ``program`` is handed out at, visible to the reader."""
    dialogue = visible_to(program.dialogues.all(), request.user).filter(pk=pk).first()
    if dialogue is None:
        raise Http404
    return dialogue


@aid_staff_required
@never_cache
@require_GET
def program_distribution_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    program = aid_program_get(actor=request.user, pk=pk)
    report = distribution_report(actor=request.user, program=program)
    return _attachment(distribution_pdf(report), f"aid-distribution-{program.pk}.pdf")


@aid_staff_required
@never_cache
@require_GET
def dialogue_distribution_pdf(request: HttpRequest, pk: int, dialogue_pk: int) -> HttpResponse:
    program = aid_program_get(actor=request.user, pk=pk)
    dialogue = _program_dialogue(request, program, dialogue_pk)
    report = distribution_report(actor=request.user, program=program, dialogue=dialogue)
    return _attachment(
        distribution_pdf(report), f"aid-distribution-{program.pk}-dialogue-{dialogue.pk}.pdf"
    )


@aid_staff_required
@never_cache
@require_GET
def dialogue_distribution_xlsx(request: HttpRequest, pk: int, dialogue_pk: int) -> HttpResponse:
    """The program's distribution workbook for the hand-outs at one dialogue."""
    program = aid_program_get(actor=request.user, pk=pk)
    dialogue = _program_dialogue(request, program, dialogue_pk)
    summary = aid_distribution_summary(actor=request.user, program=program, dialogue=dialogue)
    return _attachment(
        distribution_xlsx(summary),
        f"aid-distribution-{program.pk}-dialogue-{dialogue.pk}.xlsx",
        XLSX_MEDIA_TYPE,
    )


urlpatterns: list[URLPattern] = [
    path(
        "staff/aid/<int:pk>/distribution.pdf",
        program_distribution_pdf,
        name="aid-distribution-pdf",
    ),
    path(
        "staff/aid/<int:pk>/dialogues/<int:dialogue_pk>/distribution.pdf",
        dialogue_distribution_pdf,
        name="aid-dialogue-distribution-pdf",
    ),
    path(
        "staff/aid/<int:pk>/dialogues/<int:dialogue_pk>/distribution.xlsx",
        dialogue_distribution_xlsx,
        name="aid-dialogue-distribution-xlsx",
    ),
]
