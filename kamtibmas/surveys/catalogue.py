"""The questions every deployment starts with (issue 10 point 5): installed by
migration 0002 and put back after ``flush`` (``SurveysConfig``); administrators may
edit, retire or add questions, and an installed one is never overwritten."""

from __future__ import annotations

from typing import Any

QUESTIONS = [
    ("rasa_aman", "scale", 10,
     "Seberapa aman Anda merasa di lingkungan tempat tinggal Anda?",
     "How safe do you feel in your neighbourhood?",
     "Sangat tidak aman", "Very unsafe", "Sangat aman", "Very safe"),
    ("kepuasan", "scale", 20,
     "Seberapa puas Anda dengan kegiatan dialog hari ini?",
     "How satisfied are you with today's dialogue?",
     "Sangat tidak puas", "Very dissatisfied", "Sangat puas", "Very satisfied"),
    ("kepercayaan", "scale", 30,
     "Seberapa percaya Anda bahwa polisi akan menindaklanjuti yang disampaikan warga?",
     "How much do you trust the police to follow up what residents raised?",
     "Sama sekali tidak percaya", "Not at all", "Sangat percaya", "Completely"),
    ("saran", "text", 40,
     "Saran atau hal lain yang ingin Anda sampaikan (tanpa menyebut nama orang)",
     "Suggestions or anything else you want to say (without naming people)",
     "", "", "", ""),
]  # fmt: skip


def questions_install(apps: Any) -> None:
    """Add the default questions that are missing (``apps``: a migration's state or
    the installed apps)."""
    question = apps.get_model("surveys", "SurveyQuestion")
    for code, kind, position, text_id, text_en, low_id, low_en, high_id, high_en in QUESTIONS:
        question.objects.get_or_create(
            code=code,
            defaults={
                "kind": kind,
                "position": position,
                "text_id": text_id,
                "text_en": text_en,
                "low_id": low_id,
                "low_en": low_en,
                "high_id": high_id,
                "high_en": high_en,
            },
        )
