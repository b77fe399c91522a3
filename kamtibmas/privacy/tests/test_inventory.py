"""The personal-data inventory (issue 11 point 1): every field of every model is
classified, identifiers are encrypted, blind indexes are keyed digests, and the
documents in docs/privacy/ follow the registry."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import override_settings

from kamtibmas.accounts.models import User
from kamtibmas.accounts.services import user_set_phone
from kamtibmas.aid.models import Household
from kamtibmas.aid.services import household_card_issue, household_register
from kamtibmas.certificates.models import LossReport
from kamtibmas.engagements.models import Attendee
from kamtibmas.privacy.blind_index import BLIND_INDEX_LENGTH
from kamtibmas.privacy.inventory import INVENTORY, PURPOSES, Classification
from kamtibmas.privacy.inventory_report import (
    blind_index_mismatches,
    declared_fields,
    is_encrypted,
    project_models,
)
from kamtibmas.privacy.retention import CATEGORY_BY_CODE

DOCS = Path(__file__).resolve().parents[3] / "docs" / "privacy"
INVENTORY_FILE = "kamtibmas/privacy/inventory.py"
#: Identifiers not encrypted yet, each with the issue that tracks it (none today; the
#: last one, Django's ``User.email``, is encrypted since accounts migration 0003).
KNOWN_GAPS: set[str] = set()


def test_every_field_of_every_model_is_classified():
    missing = [
        f"{field.model._meta.label}.{field.name}"
        for field, found in declared_fields()
        if found is None
    ]
    assert not missing, (
        f"Classify these fields in {INVENTORY_FILE} (none/general/specific/identifier/"
        f"blind_index; see docs/privacy/README.md): {', '.join(missing)}"
    )


def test_the_registry_names_no_model_or_field_that_does_not_exist():
    real = {model._meta.label: model for model in project_models()}
    stale = [label for label in INVENTORY if label not in real]
    for label, use in INVENTORY.items():
        if label in real:
            names = {field.name for field in real[label]._meta.concrete_fields}
            stale += [
                f"{label}.{name}"
                for name in use.fields
                if not name.endswith("*") and name not in names
            ]
            stale += [
                f"{label}.{pattern}"
                for pattern in use.fields
                if pattern.endswith("*") and not any(n.startswith(pattern[:-1]) for n in names)
            ]
    assert not stale, f"Remove from {INVENTORY_FILE}: {', '.join(stale)}"


def test_security_1_identifiers_are_encrypted():
    clear, gaps = [], set()
    for field, found in declared_fields():
        if found is None or found.use.classification != Classification.IDENTIFIER:
            continue
        name = f"{found.model}.{found.field}"
        if found.use.known_gap:
            gaps.add(name)
            assert not is_encrypted(field), f"{name} is encrypted now: drop its known_gap"
        elif not is_encrypted(field):
            clear.append(name)
    assert not clear, (
        f"Identifiers must be encrypted at rest (SECURITY.md 1): use an Encrypted*Field "
        f"from kamtibmas.privacy.fields for {', '.join(clear)}"
    )
    assert gaps == KNOWN_GAPS


def test_blind_indexes_are_digest_columns_of_an_encrypted_identifier():
    problems = []
    for field, found in declared_fields():
        if found is None or found.use.classification != Classification.BLIND_INDEX:
            continue
        name = f"{found.model}.{found.field}"
        source = field.model._meta.get_field(found.use.index_of)
        source_use = INVENTORY[found.model].fields[found.use.index_of]
        if not (
            type(field) is models.CharField
            and field.max_length == BLIND_INDEX_LENGTH
            and not field.editable
        ):
            problems.append(f"{name}: not a CharField(max_length=64, editable=False)")
        if source_use.classification != Classification.IDENTIFIER or not is_encrypted(source):
            problems.append(f"{name}: indexes {found.use.index_of}, not an encrypted identifier")
        if not found.use.index_kind:
            problems.append(f"{name}: no blind-index kind")
    assert not problems


def test_every_field_has_a_purpose_and_a_retention_category():
    for _field, found in declared_fields():
        assert found is not None
        assert found.purpose in PURPOSES, found
        assert found.retention in CATEGORY_BY_CODE, found


def test_specific_data_covers_what_the_law_names():
    def classification(label: str, name: str) -> Classification:
        return INVENTORY[label].fields[name].classification

    assert classification("aid.Household", "children") == Classification.SPECIFIC
    assert classification("aid.Household", "vulnerability") == Classification.SPECIFIC
    assert classification("certificates.LossReport", "religion") == Classification.SPECIFIC
    assert classification("aspirations.Aspiration", "text") == Classification.SPECIFIC
    for label, name in (
        ("certificates.LossReport", "nik"),
        ("aid.Household", "kk_number"),
        ("aid.Household", "address"),
        ("certificates.LossReport", "address"),
        ("aspirations.Aspiration", "reporter_phone"),
    ):
        assert classification(label, name) == Classification.IDENTIFIER


@pytest.mark.django_db
def test_stored_blind_indexes_are_keyed_digests_of_their_identifier(bekasi):
    officer = bekasi.officer_selatan
    user_set_phone(user=officer, phone="0812-3456-7890")
    household = household_register(
        actor=officer,
        kk_number="3275 0412 3456 0001",
        head_name="Ahmad Yani",
        area=bekasi.kayuringin,
        members=3,
    )
    household_card_issue(actor=officer, household=household)
    for model in (User, Household, LossReport, Attendee):
        assert blind_index_mismatches(model) == []

    # A plain (unkeyed) SHA-256 is what the check is there to catch.
    import hashlib

    Household.objects.filter(pk=household.pk).update(
        kk_index=hashlib.sha256(b"3275041234560001").hexdigest()
    )
    assert blind_index_mismatches(Household) == [f"{household.pk}.kk_index"]


@override_settings(KAMTIBMAS_DPO_CONTACT="")
def test_docs_inventory_is_the_commands_output():
    out = StringIO()
    call_command("privacy_inventory", stdout=out)
    committed = (DOCS / "inventory.md").read_text(encoding="utf-8")
    assert out.getvalue() == committed, (
        "docs/privacy/inventory.md is out of date: run "
        "`kamtibmas privacy_inventory > docs/privacy/inventory.md`"
    )


@override_settings(KAMTIBMAS_DPO_CONTACT="DPO Polres Metro Bekasi Kota, dpo@example.go.id")
def test_the_printed_inventory_names_the_dpo():
    out = StringIO()
    call_command("privacy_inventory", stdout=out)
    assert "Data-protection officer: DPO Polres Metro Bekasi Kota, dpo@example.go.id." in (
        out.getvalue()
    )


def test_processing_record_and_dpia_cover_the_inventory():
    record = (DOCS / "processing-record.md").read_text(encoding="utf-8")
    dpia = (DOCS / "dpia.md").read_text(encoding="utf-8")
    for code in PURPOSES:
        assert re.search(rf"^## .*`{code}`", record, re.MULTILINE), code
    for text in (record, dpia):
        assert "KAMTIBMAS_DPO_CONTACT" in text


def test_retention_doc_states_every_default():
    doc = (DOCS / "retention.md").read_text(encoding="utf-8")
    for code in CATEGORY_BY_CODE:
        assert f"`{code}`" in doc, code
    for code, days in settings.KAMTIBMAS_RETENTION_DAYS.items():
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{code}`"))
        assert f"| {days} |" in row, (code, days)
