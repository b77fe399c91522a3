"""``kamtibmas train_triage``: learns from officers' corrections, and never replaces
a better model with a worse one."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from kamtibmas.aspirations.models import TriageCorrection
from kamtibmas.triage.classifier import active_model, forget_loaded_model, model_path
from kamtibmas.triage.training import corpus_load, corpus_split

pytestmark = pytest.mark.usefixtures("active_model_restored", "trainings_remembered")


@pytest.mark.django_db
def test_wrong_corrections_do_not_replace_the_active_model(model, capsys):
    before = model_path().read_bytes()
    train, _test = corpus_split(corpus_load())
    # An officer (or an attacker with an officer's account) labels every emergency
    # as a harmless question: the retrained model is worse and must be refused.
    TriageCorrection.objects.bulk_create(
        TriageCorrection(
            text=example.text,
            suggested_category=example.category,
            suggested_urgency=example.urgency,
            category="lainnya",
            urgency="rendah",
            created_at=timezone.now(),
        )
        for example in train
        if example.urgency == "darurat"
    )
    with pytest.raises(CommandError, match="worse"):
        call_command("train_triage")
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") : out.rindex("}") + 1])
    assert report["new"]["category_macro_f1"] < report["active"]["category_macro_f1"]
    assert model_path().read_bytes() == before
    forget_loaded_model()
    assert active_model().info == model.info


@pytest.mark.django_db
def test_a_model_as_good_as_the_active_one_replaces_it(model, capsys):
    TriageCorrection.objects.create(
        text="Ada yang jual sabu di kontrakan ujung gang, tiap malam ramai",
        suggested_category="keamanan",
        suggested_urgency="sedang",
        category="narkoba",
        urgency="tinggi",
        created_at=timezone.now(),
    )
    call_command("train_triage", "--force")
    assert "The new model is active." in capsys.readouterr().out
    assert active_model().info["corrections"] == 1
    call_command("train_triage", "--dry-run")
    assert "Dry run" in capsys.readouterr().out
