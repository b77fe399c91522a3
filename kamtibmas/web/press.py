"""The press-release page of a dialogue (issue 10, point 4): the draft generated from
the record, or the one an officer saved, to edit, approve and download.

Same scoping as the other dialogue pages: a dialogue outside the user's scope is 404
on every URL here, residents get 403; saving and approving is for the units
organising the dialogue (403 for a unit that only sees it). The press text is in
Indonesian whatever the page's language: it is written for Indonesian newsrooms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kamtibmas.accounts.models import User
from kamtibmas.core.scope import get_visible_or_404, scope_for
from kamtibmas.engagements import selectors
from kamtibmas.engagements.models import Dialogue
from kamtibmas.engagements.press import (
    PressRelease,
    press_release_approve,
    press_release_audit_read,
    press_release_current,
    press_release_docx,
    press_release_draft,
    press_release_save,
    press_release_saved,
    press_release_text,
)
from kamtibmas.web.decorators import staff_required
from kamtibmas.web.dialogues import place_label
from kamtibmas.web.forms_dialogues import add_service_error

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SAVE, APPROVE = "save", "approve"


class PressReleaseForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Headline"), max_length=255)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 24, "lang": "id"}),
        help_text=gettext_lazy("Paragraphs are separated by an empty line."),
    )
    action = forms.ChoiceField(
        choices=[(SAVE, SAVE), (APPROVE, APPROVE)], initial=SAVE, widget=forms.HiddenInput
    )

    FIELDS_BY_CODE = {"title_required": "title", "body_required": "body"}


def _dialogue_seen(request: HttpRequest, pk: int) -> Dialogue:
    return get_visible_or_404(
        Dialogue.objects.select_related("type", "area", "area__village", "unit"),
        request.user,
        pk=pk,
    )


def _may_edit(user: Any, dialogue: Dialogue) -> bool:
    scope = scope_for(user)
    return scope.everything or dialogue.unit_id in scope.unit_ids


def _page(
    request: HttpRequest,
    dialogue: Dialogue,
    form: PressReleaseForm,
    *,
    from_record: bool,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "web/staff/press.html",
        {
            "dialogue": dialogue,
            "place": place_label(dialogue.area),
            "form": form,
            "saved": press_release_saved(dialogue),
            "from_record": from_record,
            "may_edit": _may_edit(request.user, dialogue),
        },
        status=status,
    )


@staff_required
@never_cache
@require_http_methods(["GET", "POST"])
def press_page(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        return _press_save(request, pk)
    dialogue = _dialogue_seen(request, pk)
    from_record = request.GET.get("from") == "record"
    release = press_release_draft(dialogue) if from_record else press_release_current(dialogue)
    form = PressReleaseForm(initial={"title": release.title, "body": release.body})
    press_release_audit_read(user=request.user, dialogue=dialogue, reason="Press release page")
    return _page(request, dialogue, form, from_record=from_record)


def _press_save(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue = selectors.dialogue_get_for_change(user=request.user, pk=pk)
    actor = request.user
    assert isinstance(actor, User)
    form = PressReleaseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        approve = data["action"] == APPROVE
        service = press_release_approve if approve else press_release_save
        try:
            service(actor=actor, dialogue=dialogue, title=data["title"], body=data["body"])
        except ValidationError as error:
            add_service_error(form, error, form.FIELDS_BY_CODE)
        else:
            messages.success(
                request,
                _("The press release was approved.")
                if approve
                else _("The press release was saved."),
            )
            return redirect(reverse("web:dialogue-press", args=[dialogue.pk]))
    messages.error(request, _("Nothing was saved. See the message next to the form."))
    return _page(request, dialogue, form, from_record=False, status=400)


def _attachment(data: bytes, filename: str, media_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_store=True)
    return response


def _release(request: HttpRequest, pk: int) -> tuple[Dialogue, PressRelease]:
    dialogue = _dialogue_seen(request, pk)
    press_release_audit_read(user=request.user, dialogue=dialogue, reason="Press release download")
    return dialogue, press_release_current(dialogue)


@staff_required
@never_cache
@require_GET
def press_txt(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue, release = _release(request, pk)
    return _attachment(
        press_release_text(release).encode(),
        f"siaran-pers-{dialogue.pk}.txt",
        "text/plain; charset=utf-8",
    )


@staff_required
@never_cache
@require_GET
def press_docx(request: HttpRequest, pk: int) -> HttpResponse:
    dialogue, release = _release(request, pk)
    return _attachment(
        press_release_docx(release), f"siaran-pers-{dialogue.pk}.docx", DOCX_MEDIA_TYPE
    )


ONE = "staff/dialogues/<int:pk>/press/"

urlpatterns: list[URLPattern] = [
    path(ONE, press_page, name="dialogue-press"),
    path(f"{ONE}siaran-pers.txt", press_txt, name="dialogue-press-txt"),
    path(f"{ONE}siaran-pers.docx", press_docx, name="dialogue-press-docx"),
]
