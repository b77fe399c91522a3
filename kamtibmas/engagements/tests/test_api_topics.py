"""Outreach topics delivered: …/{id}/topics and …/{id}/topics/{code}."""

from __future__ import annotations

from kamtibmas.api.tests.client import api_client
from kamtibmas.engagements.models import OutreachTopic, TopicDelivered


def _url(dialogue, code: str = "") -> str:
    return f"/api/v1/engagements/{dialogue.pk}/topics" + (f"/{code}" if code else "")


def test_topics_are_recorded_by_code_and_named_in_the_callers_language(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan, language="en")

    response = client.put(
        _url(ngopi, "jam_belajar_malam"), {"notes": "Jam 19-21"}, content_type="application/json"
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {
        "topic": {"code": "jam_belajar_malam", "name": "Night study hours (jam belajar malam)"},
        "notes": "Jam 19-21",
    }
    indonesian = api_client(bekasi.officer_selatan).get(_url(ngopi, "jam_belajar_malam"))
    assert indonesian.json()["topic"]["name"] == "Jam belajar malam"


def test_putting_a_topic_again_re_describes_it(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan)
    client.put(_url(ngopi, "narkoba"), {"notes": "Bahaya"}, content_type="application/json")

    client.put(_url(ngopi, "narkoba"), {"notes": "Bahaya narkoba"}, content_type="application/json")

    assert [topic["notes"] for topic in client.get(_url(ngopi)).json()] == ["Bahaya narkoba"]
    assert TopicDelivered.objects.count() == 1


def test_a_topic_is_removed(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan)
    client.put(_url(ngopi, "narkoba"), {}, content_type="application/json")

    assert client.delete(_url(ngopi, "narkoba")).status_code == 204
    assert client.get(_url(ngopi, "narkoba")).status_code == 404
    assert client.delete(_url(ngopi, "narkoba")).status_code == 404


def test_an_unknown_topic_code_is_404_and_an_unrecorded_one_too(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan, language="en")

    unknown = client.put(_url(ngopi, "arisan"), {}, content_type="application/json")
    unrecorded = client.get(_url(ngopi, "narkoba"))

    assert unknown.status_code == 404
    assert unknown.json()["code"] == "unknown_topic"
    assert unrecorded.status_code == 404
    assert not TopicDelivered.objects.exists()


def test_a_retired_topic_cannot_be_recorded(bekasi, ngopi):
    OutreachTopic.objects.filter(code="bullying").update(is_active=False)

    response = api_client(bekasi.officer_selatan, language="en").put(
        _url(ngopi, "bullying"), {}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "topic_inactive"


def test_topics_wait_until_the_dialogue_was_held(bekasi, planned):
    response = api_client(bekasi.officer_timur, language="en").put(
        _url(planned, "narkoba"), {"notes": ""}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["code"] == "not_held"
    assert not TopicDelivered.objects.exists()


def test_a_code_that_is_not_a_slug_names_no_topic(bekasi, ngopi):
    client = api_client(bekasi.officer_selatan)

    for code in ("a%00b", "a%20b", "..%2F"):
        response = client.put(_url(ngopi, code), {}, content_type="application/json")
        assert response.status_code == 404, code
        assert response.json()["code"] == "not_found"
