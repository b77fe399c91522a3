"""Discovery, the service list and the service definitions: the specification's
documents in both formats, the §5 categories as services, and the errors."""

from __future__ import annotations

import pytest

from kamtibmas.open311.tests.conformance import conforms
from kamtibmas.open311.tests.conftest import Open311Client
from kamtibmas.triage.taxonomy import Category

FORMATS = ["json", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_this_endpoint_and_both_formats(db, api, fmt):
    answer = api.get(f"discovery.{fmt}")

    assert answer.status_code == 200
    data = conforms(answer, "discovery", fmt)
    (endpoint,) = data["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert sorted(endpoint["formats"]) == ["application/json", "text/xml"]
    assert endpoint["type"] == "test"  # not a production deployment


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_services_are_the_section_5_categories(db, api, fmt):
    answer = api.get(f"services.{fmt}")

    data = conforms(answer, "services", fmt)
    assert [s["service_code"] for s in data] == Category.values
    drugs = data[0]
    assert drugs["service_name"] == "Drugs" and drugs["type"] == "realtime"
    assert drugs["metadata"] in (True, "true")
    assert {s["group"] for s in data} == {"Police", "Kelurahan and city agencies"}


def test_service_names_follow_the_clients_language(db):
    indonesian = Open311Client(language="id").get("services.json")
    default = Open311Client(language="").get("services.json")

    assert indonesian.json()[0]["service_name"] == "Narkoba"
    assert indonesian["Content-Language"] == "id"
    assert default.json()[0]["service_name"] == "Narkoba"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", Category.values)
def test_every_service_has_a_definition(db, api, fmt, code):
    answer = api.get(f"services/{code}.{fmt}")

    data = conforms(answer, "service_definition", fmt)
    assert data["service_code"] == code
    attributes = {a["code"]: a for a in data["attributes"]}
    assert [a["order"] for a in data["attributes"]] == [
        str(n) if fmt == "xml" else n for n in range(1, len(attributes) + 1)
    ]
    privacy = attributes["privacy"]
    assert privacy["datatype"] == "singlevaluelist"
    assert [v["key"] for v in privacy["values"]] == ["public", "confidential", "anonymous"]
    assert attributes["rw"]["datatype"] == "number" and attributes["rt"]["datatype"] == "number"


def test_the_police_services_definition_asks_about_lost_documents(db, api):
    data = api.get("services/layanan.json").json()

    attributes = {a["code"]: a for a in data["attributes"]}
    lost = attributes["lost_items"]
    assert lost["datatype"] == "multivaluelist"
    assert {"ktp", "kk", "sim", "stnk", "bpkb", "passport"} <= {v["key"] for v in lost["values"]}
    assert attributes["lost_at"]["datatype"] == "datetime"
    assert "free of charge" in lost["description"]
    assert "lost_items" not in {
        a["code"] for a in api.get("services/narkoba.json").json()["attributes"]
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_service_is_404_in_the_error_format(db, api, fmt):
    answer = api.get(f"services/pothole.{fmt}")

    assert answer.status_code == 404
    (error,) = conforms(answer, "errors", fmt)
    assert error["code"] == "404" and "pothole" in error["description"]


@pytest.mark.parametrize(
    "path",
    ["services", "services.html", "services.", "discovery", "services/narkoba", "requests.csv"],
)
def test_the_format_suffix_is_required(db, api, path):
    answer = api.get(path)

    assert answer.status_code == 404
    (error,) = conforms(answer, "errors", "xml")
    assert ".xml or .json" in error["description"]


@pytest.mark.parametrize("path", ["", "nothing.json", "services/narkoba/extra.json"])
def test_unknown_paths_are_404(db, api, path):
    answer = api.get(path)

    assert answer.status_code == 404
    conforms(answer, "errors", "json" if path.endswith(".json") else "xml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_jurisdiction_is_this_site_and_no_other(db, api, fmt):
    ours = api.get(f"services.{fmt}", {"jurisdiction_id": "testserver"})
    empty = api.get(f"services.{fmt}", {"jurisdiction_id": ""})
    other = api.get(f"services.{fmt}", {"jurisdiction_id": "sfgov.org"})

    assert ours.status_code == empty.status_code == 200
    assert other.status_code == 404
    (error,) = conforms(other, "errors", fmt)
    assert "sfgov.org" in error["description"]


def test_the_configured_site_domain_is_a_jurisdiction(db, api, settings):
    settings.KAMTIBMAS_SITE_DOMAIN = "kamtibmas.example.id"

    assert api.get("services.json", {"jurisdiction_id": "kamtibmas.example.id"}).status_code == 200
    assert api.get("discovery.json", {"jurisdiction_id": "www.testserver"}).status_code == 200


def test_unknown_query_parameters_are_refused(db, api):
    answer = api.get("services.json", {"lat": "-6.2", "long": "106.9"})

    assert answer.status_code == 400
    (error,) = conforms(answer, "errors", "json")
    assert "lat" in error["description"] and "long" in error["description"]


def test_other_methods_are_405_with_allow(db, api):
    answer = api.post("services.json", {"service_code": "narkoba"})

    assert answer.status_code == 405
    assert answer["Allow"] == "GET, HEAD"
    conforms(answer, "errors", "json")


def test_public_documents_may_be_read_by_any_site_and_cached_briefly(db, api):
    answer = api.get("services.json")

    assert answer["Access-Control-Allow-Origin"] == "*"
    assert answer["Cache-Control"] == "public, max-age=300"
    assert api.client.head("/open311/v2/services.xml").status_code == 200
