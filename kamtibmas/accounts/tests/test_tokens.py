import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kamtibmas.accounts.models import ApiToken
from kamtibmas.accounts.services import api_token_authenticate, api_token_issue, api_token_revoke
from kamtibmas.accounts.tokens import token_digest


def test_issue_token_prints_a_token_that_authenticates(bekasi, capsys):
    call_command("issue_token", "bhabin.selatan", "--name", "tablet")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("kmt_") and len(raw) >= 4 + 43  # 256 random bits
    assert api_token_authenticate(raw) == bekasi.officer_selatan
    token = ApiToken.objects.get(user=bekasi.officer_selatan)
    assert token.name == "tablet" and token.last_used_at is not None


def test_only_the_digest_is_stored(bekasi):
    token, raw = api_token_issue(user=bekasi.officer_selatan)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert raw not in {str(v) for v in stored.values()}
    assert stored["digest"] == token_digest(raw)


def test_unknown_revoked_and_disabled_tokens_are_refused(bekasi):
    _token, raw = api_token_issue(user=bekasi.officer_selatan)
    assert api_token_authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert api_token_authenticate("") is None
    revoked, raw_revoked = api_token_issue(user=bekasi.officer_selatan)
    api_token_revoke(token=revoked)
    assert api_token_authenticate(raw_revoked) is None
    bekasi.officer_selatan.is_active = False
    bekasi.officer_selatan.save()
    assert api_token_authenticate(raw) is None
    with pytest.raises(ValidationError):
        api_token_issue(user=bekasi.officer_selatan)


def test_issue_token_for_unknown_user_fails(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("issue_token", "nobody")


def test_tokens_are_unique(bekasi):
    raws = {api_token_issue(user=bekasi.admin)[1] for _ in range(50)}
    assert len(raws) == 50


# Expiry and scopes (issue 11 point 6) --------------------------------------------------


def test_a_token_lives_90_days_by_default_with_every_scope(bekasi, settings):
    import datetime

    from django.utils import timezone

    settings.KAMTIBMAS_API_TOKEN_DAYS = 90
    token, raw = api_token_issue(user=bekasi.officer_selatan)
    left = token.expires_at - timezone.now()
    assert datetime.timedelta(days=89, hours=23) < left <= datetime.timedelta(days=90)
    assert token.scopes == "intake read write"
    user = api_token_authenticate(raw)
    assert user is not None and user.api_token_scopes == {"intake", "read", "write"}


def test_an_expired_token_is_refused(bekasi):
    import datetime

    from django.utils import timezone

    token, raw = api_token_issue(
        user=bekasi.officer_selatan, expires_at=timezone.now() + datetime.timedelta(seconds=30)
    )
    assert api_token_authenticate(raw) == bekasi.officer_selatan
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert api_token_authenticate(raw) is None


def test_a_token_cannot_be_issued_expired_or_with_an_unknown_scope(bekasi):
    import datetime

    from django.utils import timezone

    with pytest.raises(ValidationError):
        api_token_issue(user=bekasi.admin, expires_at=timezone.now() - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        api_token_issue(user=bekasi.admin, scopes=["admin"])
    with pytest.raises(ValidationError):
        api_token_issue(user=bekasi.admin, scopes=[])


def test_authentication_stays_one_query(bekasi, django_assert_num_queries):
    _token, raw = api_token_issue(user=bekasi.officer_selatan, scopes=["read"])
    api_token_authenticate(raw)  # records the use (at most once a minute)
    with django_assert_num_queries(1):
        user = api_token_authenticate(raw)
    assert user is not None and user.api_token_scopes == {"read"}


def test_issue_token_takes_an_expiry_and_scopes(bekasi, capsys):
    import datetime

    call_command(
        "issue_token", "bhabin.selatan", "--expires", "2099-03-31", "--scope", "read,intake"
    )
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(digest=token_digest(raw))
    assert token.scopes == "intake read"
    assert token.expires_at == datetime.datetime(
        2099, 3, 31, 23, 59, 59, 999999, tzinfo=datetime.UTC
    )
    call_command("issue_token", "bhabin.selatan", "--expires", "7", "--scope", "write")
    raw = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(digest=token_digest(raw))
    assert token.scopes == "write"
    lifetime = token.expires_at - token.created_at
    assert abs(lifetime - datetime.timedelta(days=7)) < datetime.timedelta(seconds=5)


@pytest.mark.parametrize(
    "arguments", [["--expires", "soon"], ["--scope", "everything"], ["--expires", "2001-01-01"]]
)
def test_issue_token_refuses_a_bad_expiry_or_scope(bekasi, arguments):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("issue_token", "bhabin.selatan", *arguments)
