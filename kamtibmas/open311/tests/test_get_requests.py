"""GET requests, requests/{id}, tokens/{token} and FixMyStreet's
servicerequestupdates: the documents in both formats, every filter, the 90-day
rule, paging, extensions, and 400 (never 500) for malformed arguments."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kamtibmas.aspirations.models import Aspiration, Privacy, Source, Status
from kamtibmas.aspirations.services import aspiration_act, aspiration_note_add, aspiration_submit
from kamtibmas.open311.tests.conformance import conforms

FORMATS = ["json", "xml"]


@pytest.fixture
def cases(o311):
    """Three public cases in Kayuringin Jaya: lights (open), theft (resolved), drugs."""

    def submit(text: str, category: str, **extra) -> Aspiration:
        fields = {
            "area": o311.kayuringin,
            "privacy": Privacy.PUBLIC,
            "source": Source.WEB,
            "category": category,
            "reporter_name": "Budi Santoso",
        }
        fields.update(extra)
        return aspiration_submit(text=text, **fields).aspiration

    lights = submit("Lampu jalan mati di gang RT 001, gelap sekali.", "lingkungan")
    theft = submit("Motor saya dicuri di depan warung tadi malam.", "pencurian")
    drugs = submit("Sering ada transaksi sabu di pos ronda kosong.", "narkoba")
    officer = o311.officer_selatan
    aspiration_act(actor=officer, aspiration=theft, action="verify")
    aspiration_act(actor=officer, aspiration=theft, action="resolve", text="Pelaku ditangkap.")
    return {"lights": lights, "theft": theft, "drugs": drugs, "officer": officer}


def ids(data) -> list[str]:
    return [item["service_request_id"] for item in data]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_are_listed_newest_first_as_open_or_closed(cases, api, fmt):
    answer = api.get(f"requests.{fmt}")

    assert answer.status_code == 200
    data = conforms(answer, "service_requests", fmt)
    assert ids(data) == [cases[n].number for n in ("drugs", "theft", "lights")]
    by_id = {item["service_request_id"]: item for item in data}
    theft = by_id[cases["theft"].number]
    assert theft["status"] == "closed" and theft["status_notes"] == "Pelaku ditangkap."
    assert theft["expected_datetime"] is None
    lights = by_id[cases["lights"].number]
    assert lights["status"] == "open" and lights["service_code"] == "lingkungan"
    assert lights["service_name"] == "Environment and infrastructure"
    assert lights["requested_datetime"].endswith("+07:00")  # WIB, the area's zone
    assert lights["agency_responsible"]
    assert "extended_attributes" not in lights and "notes" not in lights


@pytest.mark.parametrize("fmt", FORMATS)
def test_extensions_give_the_detailed_status_and_the_public_history(cases, api, fmt):
    answer = api.get(f"requests.{fmt}", {"extensions": "true"})

    data = conforms(answer, "service_requests", fmt)
    theft = next(i for i in data if i["service_request_id"] == cases["theft"].number)
    assert theft["extended_attributes"]["detailed_status"] == "resolved"
    assert theft["extended_attributes"]["detailed_status_name"] == "Resolved"
    statuses = [note["status"] for note in theft["notes"]]
    assert statuses == ["received", "verified", "resolved"]
    assert theft["notes"][-1]["description"] == "Pelaku ditangkap."


def test_one_request_is_a_one_item_list(cases, api):
    number = cases["lights"].number

    as_json = api.get(f"requests/{number}.json")
    as_xml = api.get(f"requests/{number.lower()}.xml", {"extensions": "true"})

    assert ids(conforms(as_json, "service_requests", "json")) == [number]
    assert ids(conforms(as_xml, "service_requests", "xml")) == [number]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", ["requests/ASP-0000-0000", "requests/42", "tokens/12345"])
def test_unknown_requests_and_tokens_are_404(cases, api, fmt, path):
    answer = api.get(f"{path}.{fmt}")

    assert answer.status_code == 404
    (error,) = conforms(answer, "errors", fmt)
    assert error["code"] == "404"


def test_ids_override_every_other_argument(cases, api):
    wanted = f"{cases['lights'].number},{cases['drugs'].number.lower()}"

    answer = api.get("requests.json", {"service_request_id": wanted, "status": "closed"})

    assert sorted(ids(answer.json())) == sorted([cases["lights"].number, cases["drugs"].number])


def test_filters_by_service_codes_and_status(cases, api):
    by_codes = api.get("requests.json", "service_code=narkoba,pencurian&service_code=lainnya")
    closed = api.get("requests.json", {"status": "closed"})
    opened = api.get("requests.json", {"status": "open"})
    both = api.get("requests.json", {"status": "open,closed"})

    assert ids(by_codes.json()) == [cases["drugs"].number, cases["theft"].number]
    assert ids(closed.json()) == [cases["theft"].number]
    assert ids(opened.json()) == [cases["drugs"].number, cases["lights"].number]
    assert len(both.json()) == 3


def test_the_window_defaults_to_the_last_90_days(cases, api):
    old = cases["lights"]
    Aspiration.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=120))
    start = (timezone.now() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")

    recent = api.get("requests.json")
    back_then = api.get("requests.json", {"start_date": start})

    assert old.number not in ids(recent.json())
    assert ids(back_then.json()) == [old.number]


def test_dates_with_offsets_and_plain_dates_are_accepted(cases, api):
    today = timezone.now().astimezone()
    params = {
        "start_date": (today - timedelta(days=1)).isoformat(timespec="seconds"),
        "end_date": (today + timedelta(days=1)).date().isoformat(),
    }

    assert len(api.get("requests.json", params).json()) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2025-13-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"start_date": "2025-07-31T10:10:00"},  # no offset
        {"start_date": "2025-07-31 10:10:00+07:00"},
        {"end_date": "0001-01-01T00:00:00Z"},
        {"start_date": "9999-12-31T23:59:59Z"},
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},  # > 90 days
        {"start_date": "2025-06-01T00:00:00Z", "end_date": "2025-05-01T00:00:00Z"},
        {"start_date": ["2025-06-01T00:00:00Z", "2025-06-02T00:00:00Z"]},
        {"status": "pending"},
        {"service_code": "pothole"},
        {"page_size": "-1"},
        {"page_size": "0"},
        {"page_size": "1001"},
        {"page_size": "ten"},
        {"page": "0"},
        {"page": "-3"},
        {"extensions": "maybe"},
        {"colour": "red"},
        {"service_request_id": ",".join(f"ASP-{n:04d}-0000" for n in range(101))},
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_malformed_arguments_are_400_never_500(cases, api, params, fmt):
    answer = api.get(f"requests.{fmt}", params)

    assert answer.status_code == 400, answer.content
    (error,) = conforms(answer, "errors", fmt)
    assert error["code"] == "400"


def test_paging(cases, api):
    first = api.get("requests.json", {"page_size": "2"})
    second = api.get("requests.json", {"page_size": "2", "page": "2"})
    beyond = api.get("requests.json", {"page_size": "2", "page": "3"})

    assert ids(first.json()) == [cases["drugs"].number, cases["theft"].number]
    assert ids(second.json()) == [cases["lights"].number]
    assert beyond.json() == []


def test_listing_takes_the_same_few_queries_for_any_number_of_cases(
    cases, api, django_assert_max_num_queries
):
    for n in range(6):
        aspiration_submit(
            text=f"Sampah menumpuk di kali nomor {n}, bau sekali.",
            area=cases["lights"].area,
            privacy=Privacy.PUBLIC if n % 2 else Privacy.ANONYMOUS,
            source=Source.WEB,
            category="lingkungan",
        )
    with django_assert_max_num_queries(4):
        answer = api.get("requests.json", {"extensions": "true"})
    assert len(answer.json()) == 9


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_updates_follow_the_public_history(cases, api, fmt):
    officer, lights = cases["officer"], cases["lights"]
    aspiration_act(actor=officer, aspiration=lights, action="verify", is_public=False)
    for text, public in (("Petugas PLN dijadwalkan.", True), ("Catatan internal.", False)):
        aspiration_note_add(actor=officer, aspiration=lights, text=text, is_public=public)

    answer = api.get(f"servicerequestupdates.{fmt}")

    data = conforms(answer, "service_request_updates", fmt)
    mine = [u for u in data if u["service_request_id"] == lights.number]
    assert [(u["status"], u["external_status_code"]) for u in mine] == [
        ("open", "received"),
        # The note comes after a (private) verification: the case was verified then.
        ("investigating", "verified"),
    ]
    assert mine[-1]["description"] == "Petugas PLN dijadwalkan."
    assert "Catatan internal." not in answer.content.decode()
    theft = [u["status"] for u in data if u["service_request_id"] == cases["theft"].number]
    assert theft == ["open", "investigating", "fixed"]


def test_service_request_updates_take_a_window_and_pages(cases, api):
    later = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    none_yet = api.get("servicerequestupdates.json", {"start_date": later})
    paged = api.get("servicerequestupdates.json", {"page_size": "2"})
    too_wide = api.get(
        "servicerequestupdates.json",
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-12-01T00:00:00Z"},
    )

    assert none_yet.json() == []
    assert len(paged.json()) == 2
    assert too_wide.status_code == 400


def test_reads_carry_cors_and_accept_head(cases, api):
    answer = api.get("requests.json")

    assert answer["Access-Control-Allow-Origin"] == "*"
    assert api.client.head("/open311/v2/requests.xml").status_code == 200
    assert api.client.delete("/open311/v2/requests.json").status_code == 405


def test_status_mapping_covers_every_state(cases, api):
    officer, drugs = cases["officer"], cases["drugs"]
    aspiration_act(actor=officer, aspiration=drugs, action="reject", text="Tidak jelas.")

    item = api.get(f"requests/{drugs.number}.json", {"extensions": "true"}).json()[0]

    assert item["status"] == "closed"
    assert item["extended_attributes"]["detailed_status"] == Status.REJECTED
