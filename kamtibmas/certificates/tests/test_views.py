from kamtibmas.certificates.keys import signing_key_rotate, signing_keys_list
from kamtibmas.certificates.verify import keyset_parse


def test_keys_json_creates_the_first_key_and_publishes_it(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    response = client.get("/.well-known/kamtibmas/keys.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=300"}
    keyset = response.json()
    [record] = signing_keys_list(directory=tmp_path / "keys" / "certificates")
    assert keyset == {
        "keys": [{"kid": record.kid, "alg": "Ed25519", "x": record.x, "status": "active"}]
    }
    assert keyset_parse(keyset)


def test_keys_json_lists_retired_keys(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    signing_key_rotate()
    signing_key_rotate()
    keyset = client.get("/.well-known/kamtibmas/keys.json").json()
    assert [entry["status"] for entry in keyset["keys"]] == ["retired", "active"]


def test_keys_json_is_read_only(client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    assert client.post("/.well-known/kamtibmas/keys.json").status_code == 405
