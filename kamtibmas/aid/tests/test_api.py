"""/api/v1/aid (issue 8 points 4 and 6): programs, stock, households, eligibility and
hand-outs over the API; refusals with field paths, scope, and the offline phone's
retries with Idempotency-Key."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kamtibmas.aid.models import AidProgram, Handout, Household, StockEntry
from kamtibmas.aid.services import stock_balances
from kamtibmas.aid.tests.conftest import KK
from kamtibmas.api.tests.client import api_client
from kamtibmas.api.tests.openapi_check import openapi_document, problems, response_schema
from kamtibmas.core.timefmt import local_today
from kamtibmas.privacy.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/aid"
OTHER_KK = "3275040101090022"


@pytest.fixture(autouse=True)
def during_the_program(aid):
    """Hand-outs happen now; make the program run through today."""
    today = local_today()
    AidProgram.objects.filter(pk=aid.program.pk).update(
        starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30)
    )


def post(client: Client, path: str, data: Any, key: str | None = None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(path, json.dumps(data), content_type="application/json", headers=headers)


def fits(operation_id: str, answer, status: int = 200) -> None:
    document = openapi_document()
    schema = response_schema(document, operation_id, status)
    assert problems(document, schema, answer.json()) == []


def fields(answer) -> dict[str | None, str]:
    return {error["field"]: error["code"] for error in answer.json()["errors"]}


def handout_body(aid, **changes: Any) -> dict[str, Any]:
    data = {
        "household": aid.household.pk,
        "location": aid.venue.pk,
        "recipient_name": "Ahmad Yani",
        "children_present": 2,
    }
    data.update(changes)
    return data


def program_body(aid, **changes: Any) -> dict[str, Any]:
    today = local_today()
    data: dict[str, Any] = {
        "name": "Sembako Jumat Berkah",
        "sponsor": "Bhayangkari",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=60)).isoformat(),
        "areas": [aid.kayuringin.code],
        "items": [
            {"name": "Paket sembako", "contents": "beras 5 kg"},
            {"name": "Snack anak", "per_child": True, "measure": "bungkus"},
        ],
        "locations": ["Masjid Al-Ikhlas"],
    }
    data.update(changes)
    return data


# --- programs and stock ----------------------------------------------------------------


def test_an_officer_creates_a_program_and_reads_it_with_its_balances(aid):
    client = api_client(aid.officer, language="en")

    answer = post(client, f"{URL}/programs", program_body(aid), key=str(uuid.uuid4()))

    assert answer.status_code == 201, answer.json()
    fits("AidProgramCreate", answer, 201)
    created = answer.json()
    assert answer.headers["Location"] == f"{URL}/programs/{created['id']}"
    assert [item["name"] for item in created["items"]] == ["Paket sembako", "Snack anak"]
    assert created["unit"]["id"] == aid.polsek_selatan.pk
    assert created["balances"] == []

    existing = client.get(f"{URL}/programs/{aid.program.pk}")
    assert existing.status_code == 200
    fits("AidProgramGet", existing)
    assert {
        (b["item_id"], b["location_id"], b["quantity"]) for b in existing.json()["balances"]
    } == {
        (aid.sembako.pk, aid.venue.pk, 50),
        (aid.snacks.pk, aid.venue.pk, 30),
    }
    listed = client.get(f"{URL}/programs")
    fits("AidProgramList", listed)
    assert [p["id"] for p in listed.json()["items"]] == [created["id"], aid.program.pk]


def test_program_errors_name_their_fields(aid):
    client = api_client(aid.officer, language="en")

    answer = post(
        client,
        f"{URL}/programs",
        program_body(
            aid,
            areas=[aid.kayuringin.code, "99.99"],
            items=[{"name": "Beras"}, {"name": " beras "}],
        ),
    )

    assert answer.status_code == 422
    assert fields(answer) == {"items": "value_error"}
    unknown = post(client, f"{URL}/programs", program_body(aid, areas=["99.99"]))
    assert unknown.status_code == 422
    assert fields(unknown) == {"areas.0": "unknown_area"}
    backwards = post(client, f"{URL}/programs", program_body(aid, ends_on="2020-01-01"))
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "ends_on"
    assert AidProgram.objects.count() == 1


def test_another_units_officer_finds_nothing_and_other_roles_are_refused(aid):
    timur = api_client(aid.officer_timur, language="en")

    assert timur.get(f"{URL}/programs/{aid.program.pk}").status_code == 404
    assert timur.get(f"{URL}/programs").json()["items"] == []
    assert timur.get(f"{URL}/households/{aid.household.pk}").status_code == 404
    refused = post(timur, f"{URL}/programs/{aid.program.pk}/handouts", handout_body(aid), "k-1")
    assert refused.status_code == 404
    assert api_client(aid.resident).get(f"{URL}/programs").status_code == 403
    assert (
        api_client(aid.commander_polres).get(f"{URL}/programs/{aid.program.pk}").status_code == 200
    )


def test_stock_is_received_moved_and_never_goes_negative(aid):
    client = api_client(aid.officer, language="en")
    stock = f"{URL}/programs/{aid.program.pk}/stock"

    moved = post(
        client,
        stock,
        {
            "kind": "moved",
            "item": aid.sembako.pk,
            "location": aid.venue.pk,
            "target": aid.post.pk,
            "quantity": 20,
        },
        key=str(uuid.uuid4()),
    )
    assert moved.status_code == 201, moved.json()
    fits("AidStockCreate", moved, 201)
    assert [e["kind"] for e in moved.json()["entries"]] == ["moved_out", "moved_in"]
    assert {(b["location_id"], b["quantity"]) for b in moved.json()["balances"]} == {
        (aid.venue.pk, 30),
        (aid.post.pk, 20),
    }

    too_many = post(
        client,
        stock,
        {"kind": "damaged", "item": aid.sembako.pk, "location": aid.post.pk, "quantity": 21,
         "reason": "Basah kena hujan"},
    )  # fmt: skip
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "quantity"
    assert "Not enough Paket sembako at Pos Polisi Kayuringin: 20 left" in too_many.json()["detail"]
    no_reason = post(
        client, stock, {"kind": "adjusted", "item": aid.sembako.pk, "location": aid.post.pk,
                        "quantity": -1},
    )  # fmt: skip
    assert fields(no_reason) == {"reason": "invalid"}
    no_target = post(
        client, stock, {"kind": "moved", "item": aid.sembako.pk, "location": aid.post.pk,
                        "quantity": 1},
    )  # fmt: skip
    assert fields(no_target) == {"target": "value_error"}
    foreign = post(
        client, stock, {"kind": "received", "item": 10**9, "location": aid.post.pk, "quantity": 1}
    )
    assert fields(foreign) == {"item": "unknown_item"}
    assert stock_balances(aid.program)[(aid.sembako.pk, aid.post.pk)] == 20

    ledger = client.get(f"{URL}/programs/{aid.program.pk}/ledger?limit=2")
    fits("AidLedgerList", ledger)
    assert [e["kind"] for e in ledger.json()["items"]] == ["moved_in", "moved_out"]
    rest = client.get(
        f"{URL}/programs/{aid.program.pk}/ledger?cursor={ledger.json()['next_cursor']}"
    )
    assert [e["kind"] for e in rest.json()["items"]] == ["received", "received"]


# --- households ------------------------------------------------------------------------


def test_a_household_is_registered_with_its_rw_and_rt_and_found_by_kk(aid):
    client = api_client(aid.officer, language="en")
    body = {
        "kk_number": "3275-0401-0109-0022",
        "head_name": "Siti Aminah",
        "area": aid.kayuringin.code,
        "rw": 24,
        "rt": 3,
        "members": 4,
        "children": 2,
    }

    answer = post(client, f"{URL}/households", body, key=str(uuid.uuid4()))

    assert answer.status_code == 201, answer.json()
    fits("AidHouseholdCreate", answer, 201)
    assert answer.json()["kk_number"] == OTHER_KK
    assert answer.json()["area"]["name"].startswith("RT")
    again = post(client, f"{URL}/households", body)
    assert again.status_code == 422 and fields(again) == {"kk_number": "invalid"}

    found = post(client, f"{URL}/households/search", {"kk": KK})
    fits("AidHouseholdSearch", found)
    [household] = found.json()["items"]
    assert household["kk_number"] == KK and household["head_name"] == "Ahmad Yani"
    assert AuditEntry.objects.filter(
        action=AuditAction.READ, subject_id=str(aid.household.pk), reason="API: KK lookup"
    ).exists()
    one = client.get(f"{URL}/households/{aid.household.pk}")
    fits("AidHouseholdGet", one)
    assert one.json()["kk_number"] == "************0011"
    listed = client.get(f"{URL}/households")
    assert {h["kk_number"] for h in listed.json()["items"]} == {
        "************0011",
        "************0022",
    }


def test_household_errors_name_their_fields(aid):
    client = api_client(aid.officer, language="en")

    short = post(
        client,
        f"{URL}/households",
        {"kk_number": "12345", "head_name": " ", "area": aid.kayuringin.code, "members": 2},
    )
    assert short.status_code == 422
    assert fields(short) == {"kk_number": "invalid", "head_name": "invalid"}
    assert "16 digits" in short.json()["detail"]
    bad_lookup = post(client, f"{URL}/households/search", {"kk": "12"})
    assert bad_lookup.status_code == 422 and fields(bad_lookup) == {"kk": "value_error"}
    # The KK never goes in a URL: the list refuses it, pointing at the search.
    in_url = client.get(f"{URL}/households?kk={KK}")
    assert in_url.status_code == 422 and fields(in_url) == {"kk": "identifier_in_url"}
    assert "POST" in in_url.json()["errors"][0]["message"]
    # Another unit's officer looks up the KK: no household, rather than a leak.
    timur = api_client(aid.officer_timur, language="en")
    assert post(timur, f"{URL}/households/search", {"kk": KK}).json()["items"] == []
    assert Household.objects.count() == 1


# --- eligibility and hand-outs ----------------------------------------------------------


def test_eligibility_says_what_the_household_would_receive(aid):
    client = api_client(aid.officer, language="en")

    answer = client.get(
        f"{URL}/programs/{aid.program.pk}/eligibility"
        f"?household={aid.household.pk}&location={aid.venue.pk}&children_present=5"
    )

    assert answer.status_code == 200, answer.json()
    fits("AidEligibilityGet", answer)
    assert answer.json() == {
        "eligible": True,
        "reasons": [],
        "round": 1,
        "quantities": {str(aid.sembako.pk): 1, str(aid.snacks.pk): 3},
    }


def test_a_hand_out_syncs_once_whatever_the_network_does(aid):
    client = api_client(aid.officer, language="en")
    path = f"{URL}/programs/{aid.program.pk}/handouts"
    key = str(uuid.uuid4())
    handed_at = (timezone.now() - timedelta(hours=2)).isoformat()

    first = post(client, path, handout_body(aid, handed_at=handed_at), key=key)
    assert first.status_code == 201, first.json()
    fits("AidHandoutCreate", first, 201)
    data = first.json()
    assert data["round"] == 1 and data["recipient_name"] == "Ahmad Yani"
    assert sorted((i["item_id"], i["quantity"]) for i in data["items"]) == sorted(
        [(aid.sembako.pk, 1), (aid.snacks.pk, 2)]
    )

    # The answer was lost; the phone sends the same request again.
    retry = post(client, path, handout_body(aid, handed_at=handed_at), key=key)
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json() == data
    reused = post(client, path, handout_body(aid, children_present=0), key=key)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    second = post(client, path, handout_body(aid), key=str(uuid.uuid4()))
    assert second.status_code == 422
    assert second.json()["code"] == "not_eligible"
    assert second.json()["detail"].startswith("Already received on ")
    assert Handout.objects.count() == 1
    assert stock_balances(aid.program)[(aid.sembako.pk, aid.venue.pk)] == 49

    listed = client.get(path)
    fits("AidHandoutList", listed)
    assert [h["id"] for h in listed.json()["items"]] == [data["id"]]
    assert AuditEntry.objects.filter(reason="API: aid hand-out list").count() == 1


def test_a_hand_out_needs_its_key_and_an_honest_time(aid):
    client = api_client(aid.officer, language="en")
    path = f"{URL}/programs/{aid.program.pk}/handouts"

    keyless = post(client, path, handout_body(aid))
    assert keyless.status_code == 400 and keyless.json()["code"] == "idempotency_key_required"
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    ahead = post(client, path, handout_body(aid, handed_at=future), key=str(uuid.uuid4()))
    assert fields(ahead) == {"handed_at": "future"}
    old = (timezone.now() - timedelta(days=8)).isoformat()
    stale = post(client, path, handout_body(aid, handed_at=old), key=str(uuid.uuid4()))
    assert fields(stale) == {"handed_at": "too_old"}
    stranger = post(client, path, handout_body(aid, household=10**9), key=str(uuid.uuid4()))
    assert fields(stranger) == {"household": "unknown_household"}
    blank = post(client, path, handout_body(aid, recipient_name="  "), key=str(uuid.uuid4()))
    assert fields(blank) == {"recipient_name": "value_error"}
    assert Handout.objects.count() == 0
    assert StockEntry.objects.filter(kind="handed_out").count() == 0


def test_an_empty_store_refuses_the_hand_out(aid):
    client = api_client(aid.officer, language="en")

    answer = post(
        client,
        f"{URL}/programs/{aid.program.pk}/handouts",
        handout_body(aid, location=aid.post.pk),
        key=str(uuid.uuid4()),
    )

    assert answer.status_code == 422
    assert fields(answer) == {"quantity": "invalid"}
    assert "Not enough" in answer.json()["detail"]
    assert Handout.objects.count() == 0


def test_messages_are_indonesian_by_default(aid):
    client = api_client(aid.officer)
    post(client, f"{URL}/programs/{aid.program.pk}/handouts", handout_body(aid), "k-id-1")

    second = post(client, f"{URL}/programs/{aid.program.pk}/handouts", handout_body(aid), "k-id-2")

    assert second.status_code == 422
    assert second.json()["detail"].startswith("Sudah menerima pada ")


def test_a_hand_out_keeps_the_recipient_s_signature(aid):
    from kamtibmas.aid.models import HandoutConfirmation
    from kamtibmas.web.tests.test_aid_offline import png_signature

    client = api_client(aid.officer, language="en")
    path = f"{URL}/programs/{aid.program.pk}/handouts"
    bad = post(
        client,
        path,
        handout_body(aid, confirmation={"kind": "signature", "data": "bm90IGFuIGltYWdl"}),
        key=str(uuid.uuid4()),
    )
    assert bad.status_code == 422 and "confirmation" in fields(bad)
    assert Handout.objects.count() == 0
    body = handout_body(aid, confirmation={"kind": "signature", "data": png_signature()})
    answer = post(client, path, body, key=str(uuid.uuid4()))
    assert answer.status_code == 201, answer.json()
    fits("AidHandoutCreate", answer, 201)
    assert answer.json()["confirmation"] == "signature"
    assert HandoutConfirmation.objects.get().handout_id == answer.json()["id"]
    listed = client.get(path)
    fits("AidHandoutList", listed)
    assert listed.json()["items"][0]["confirmation"] == "signature"


def test_a_household_card_is_issued_and_replaced_over_the_api(aid):
    from kamtibmas.aid.services import household_by_card

    client = api_client(aid.officer, language="en")
    path = f"{URL}/households/{aid.household.pk}/card"
    first = post(client, path, {})
    assert first.status_code == 200, first.json()
    fits("AidHouseholdCard", first)
    code = first.json()["code"]
    assert len(code) == 11 and code[5] == "-"
    assert first.json()["url"].endswith(f"/staff/aid/card/{code.replace('-', '')}/")
    assert post(client, path, {}).json()["code"] == code
    replaced = post(client, path, {"replace": True}).json()["code"]
    assert replaced != code and household_by_card(code) is None
    timur = api_client(aid.officer_timur, language="en")
    assert post(timur, path, {}).status_code == 404
