"""The place later capabilities use to show their records on the dialogue page."""

from __future__ import annotations

import pytest

from kamtibmas.core.scope import visible_to
from kamtibmas.engagements import links
from kamtibmas.engagements.links import LinkedRecord, LinkedSection
from kamtibmas.engagements.models import Dialogue


def aspirations_provider(*, dialogue, user):
    """Stands in for the aspirations app's provider: scoped like every read."""
    if not visible_to(Dialogue.objects.filter(pk=dialogue.pk), user).exists():
        return None
    return LinkedSection(
        key="aspirations",
        title="Aspirasi yang disampaikan",
        records=[LinkedRecord(title="Prosedur dokumen hilang", url="/x/1", status="Selesai")],
    )


@pytest.fixture
def provider(monkeypatch):
    monkeypatch.setattr(links, "DIALOGUE_LINK_PROVIDERS", [f"{__name__}.aspirations_provider"])


def test_dialogue_page_shows_each_providers_section(client, bekasi, ngopi, provider):
    client.force_login(bekasi.officer_selatan)
    page = client.get(f"/staff/dialogues/{ngopi.pk}/").content.decode()
    assert 'id="linked-aspirations"' in page
    assert "Aspirasi yang disampaikan" in page and "Prosedur dokumen hilang" in page


def test_without_providers_the_page_has_no_linked_sections(client, bekasi, ngopi):
    client.force_login(bekasi.officer_selatan)
    page = client.get(f"/staff/dialogues/{ngopi.pk}/").content.decode()
    assert 'id="linked-' not in page
