"""The dialogue survey: its link, the answers, and the results with their uncertainty.

The link carries the dialogue signed (``django.core.signing``), so nobody answers for a
dialogue by guessing its number. It opens when the dialogue starts and closes
``OPEN_DAYS`` days after it ends; a cancelled dialogue has no survey.

Results (``survey_results``): for every scale question the number of answers, the
mean and its 95% confidence interval from Student's t distribution (the answers of a
small crowd are few; a normal interval would be too narrow). With fewer than
``MIN_ANSWERS`` answers no mean is given at all: "never a bare mean from three
answers".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from statistics import fmean, stdev
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.stats import t as student_t

from kamtibmas.core.timefmt import local_today
from kamtibmas.engagements.models import Dialogue, DialogueStatus
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.surveys.models import QuestionKind, SurveyQuestion, SurveyResponse

SALT = "kamtibmas.surveys.link"
#: Days after the dialogue's end during which its survey can be answered.
OPEN_DAYS = 14
#: Fewer answers than this and a question shows no mean, only the count.
MIN_ANSWERS = 5
#: The answers a scale question takes.
SCALE_VALUES = (1, 2, 3, 4, 5)
COMMENT_MAX = 1_000
CONFIDENCE = 0.95


def survey_token(dialogue: Dialogue) -> str:
    """The part of the survey link that names the dialogue, signed."""
    return signing.dumps(dialogue.pk, salt=SALT, compress=False)


def survey_dialogue(raw: str) -> Dialogue:
    """The dialogue of a survey link, while its survey is open; ``ValidationError``
    with code ``unknown`` (not a link of ours) or ``closed``."""
    try:
        pk = signing.loads(raw[:200], salt=SALT)
    except signing.BadSignature as exc:
        raise ValidationError(_("This survey link is not valid."), code="unknown") from exc
    dialogue = Dialogue.objects.select_related("area", "unit").filter(pk=pk).first()
    if dialogue is None:
        raise ValidationError(_("This survey link is not valid."), code="unknown")
    now = timezone.now()
    start = dialogue.actual_start or dialogue.planned_start
    end = dialogue.actual_end or dialogue.planned_end
    if dialogue.status == DialogueStatus.CANCELLED or now < start:
        raise ValidationError(_("This survey is not open."), code="closed")
    if now > end + timedelta(days=OPEN_DAYS):
        raise ValidationError(
            _("This survey closed %(days)d days after the dialogue.") % {"days": OPEN_DAYS},
            code="closed",
        )
    return dialogue


def active_questions() -> list[SurveyQuestion]:
    return list(SurveyQuestion.objects.filter(is_active=True))


def survey_submit(
    *, dialogue: Dialogue, device_key: str, answers: Mapping[str, Any]
) -> SurveyResponse:
    """Record one browser's answers (``answers``: question code → 1..5 for the scale
    questions, text for the free one; any may be left out, but not all). A second
    answer from the same browser is refused (code ``already_answered``)."""
    if not device_key:
        raise ValidationError(_("Allow this site's cookie to answer."), code="no_device")
    scores: dict[str, int] = {}
    comment = ""
    errors: dict[str, list[str]] = {}
    for question in active_questions():
        value = answers.get(question.code)
        if value in (None, ""):
            continue
        if question.kind == QuestionKind.SCALE:
            try:
                number = int(str(value))
            except ValueError:
                number = 0
            if number not in SCALE_VALUES:
                errors[question.code] = [_("Choose a number from 1 to 5.")]
                continue
            scores[question.code] = number
        else:
            text = " ".join(str(value).split())
            if len(text) > COMMENT_MAX:
                errors[question.code] = [_("At most %(max)d characters.") % {"max": COMMENT_MAX}]
                continue
            comment = text
    if errors:
        raise ValidationError(errors)
    if not scores and not comment:
        raise ValidationError(_("Answer at least one question."), code="empty")
    digest = blind_index("survey", f"{dialogue.pk}:{device_key}")
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                dialogue=dialogue,
                voter_digest=digest,
                answered_on=local_today(dialogue.area),
                scores=scores,
                comment=comment or None,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("This phone has already answered the survey of this dialogue. Thank you!"),
            code="already_answered",
        ) from exc


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    count: int
    mean: float | None
    low: float | None
    high: float | None

    @property
    def enough(self) -> bool:
        return self.mean is not None


def mean_interval(values: Iterable[float]) -> tuple[int, float | None, float | None, float | None]:
    """(n, mean, low, high): the mean with its 95% confidence interval (Student's t),
    bounded to the 1..5 scale; mean and interval ``None`` below ``MIN_ANSWERS``."""
    data = [float(v) for v in values]
    n = len(data)
    if n < MIN_ANSWERS:
        return n, None, None, None
    mean = fmean(data)
    spread = stdev(data)
    half = float(student_t.ppf((1 + CONFIDENCE) / 2, n - 1)) * spread / math.sqrt(n)
    return n, mean, max(1.0, mean - half), min(5.0, mean + half)


def mean_interval_of_counts(
    counts: Mapping[int, int],
) -> tuple[int, float | None, float | None, float | None]:
    """``mean_interval`` of answers given as value → how many gave it (thousands of
    answers in a few numbers): the same mean and sample deviation, computed exactly
    from the counts (``statistics`` computes them exactly from the values)."""
    n = sum(counts.values())
    if n < MIN_ANSWERS:
        return n, None, None, None
    total = sum(Fraction(value) * count for value, count in counts.items())
    mean = total / n
    squares = sum((Fraction(value) - mean) ** 2 * count for value, count in counts.items())
    spread = math.sqrt(squares / (n - 1))
    half = float(student_t.ppf((1 + CONFIDENCE) / 2, n - 1)) * spread / math.sqrt(n)
    return n, float(mean), max(1.0, float(mean) - half), min(5.0, float(mean) + half)


def survey_results(responses: QuerySet[SurveyResponse]) -> list[QuestionResult]:
    """For each active scale question: count, mean and interval over ``responses``
    (the caller scopes them)."""
    answered = list(responses.values_list("scores", flat=True))
    results = []
    for question in active_questions():
        if question.kind != QuestionKind.SCALE:
            continue
        values = [scores[question.code] for scores in answered if question.code in scores]
        n, mean, low, high = mean_interval(values)
        results.append(QuestionResult(question, n, mean, low, high))
    return results
