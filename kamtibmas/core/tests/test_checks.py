from django.core import checks
from django.test import override_settings


def _security_ids() -> set[str]:
    found = checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
    return {str(message.id) for message in found}


def test_production_needs_an_https_public_url_for_the_certificate_qr():
    with override_settings(PRODUCTION=True, PUBLIC_URL="http://127.0.0.1:8000"):
        assert "kamtibmas.E002" in _security_ids()
    with override_settings(PRODUCTION=True, PUBLIC_URL="https://kamtibmas.example.id"):
        assert "kamtibmas.E002" not in _security_ids()
    with override_settings(PRODUCTION=False, PUBLIC_URL="http://127.0.0.1:8000"):
        assert "kamtibmas.E002" not in _security_ids()


def test_production_needs_the_data_protection_officers_contact():
    with override_settings(PRODUCTION=True, KAMTIBMAS_DPO_CONTACT=""):
        assert "kamtibmas.E003" in _security_ids()
    with override_settings(PRODUCTION=True, KAMTIBMAS_DPO_CONTACT="dpo@kamtibmas.example.id"):
        assert "kamtibmas.E003" not in _security_ids()
    with override_settings(PRODUCTION=False, KAMTIBMAS_DPO_CONTACT=""):
        assert "kamtibmas.E003" not in _security_ids()
