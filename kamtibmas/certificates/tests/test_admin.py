"""Each unit's certificate settings in the admin, and the read-only certificate list."""

import pytest
from django.urls import reverse

from kamtibmas.certificates.models import CertificateSettings, ReportSource
from kamtibmas.certificates.services import certificate_issue, loss_report_start
from kamtibmas.certificates.tests.conftest import KTP_AND_KK, SITI_NIK, identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, desk):
    client.force_login(desk.admin)
    return client


def settings_form(desk, **changes):
    data = {
        "unit": desk.polsek_selatan.pk,
        "number_format": "SKTLK/{n}/{month_roman}/{year}/{unit_code}",
        "unit_code": "Sek.Bks.Sel",
        "validity_days": 30,
        "letterhead": "KEPOLISIAN NEGARA REPUBLIK INDONESIA\nSEKTOR BEKASI SELATAN",
        "place": "Bekasi",
        "signer_title": "a.n. KAPOLSEK BEKASI SELATAN",
    }
    data.update(changes)
    return data


def test_a_unit_sets_its_number_format_and_validity(admin_client, desk):
    url = reverse("admin:certificates_certificatesettings_add")
    response = admin_client.post(url, settings_form(desk, validity_days=14))
    assert response.status_code == 302
    assert CertificateSettings.objects.get().validity_days == 14


@pytest.mark.parametrize(
    "changes",
    [{"number_format": "SKTLK/{year}"}, {"number_format": "{n}/{fee}"}, {"validity_days": 0}],
)
def test_a_wrong_format_or_validity_is_refused(admin_client, desk, changes):
    url = reverse("admin:certificates_certificatesettings_add")
    response = admin_client.post(url, settings_form(desk, **changes))
    assert response.status_code == 200
    assert not CertificateSettings.objects.exists()


def test_the_certificate_list_never_shows_the_reporter(admin_client, desk):
    report = loss_report_start(
        actor=desk.officer,
        source=ReportSource.DESK,
        unit=desk.polsek_selatan,
        identity=identity(),
        items=KTP_AND_KK,
        lost_on="2025-07-30",
        lost_place="Pasar Baru Bekasi",
    )
    certificate = certificate_issue(actor=desk.officer, report=report, identity_checked="KK")
    page = admin_client.get(reverse("admin:certificates_certificate_change", args=[certificate.pk]))
    assert page.status_code == 200 and certificate.number.encode() in page.content
    assert b"Siti" not in page.content and SITI_NIK.encode() not in page.content
