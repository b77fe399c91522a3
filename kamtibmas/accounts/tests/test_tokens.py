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
