"""``kamtibmas verify_certificate QR_TEXT``: verify a certificate's QR offline (§6).

The QR text is the URL ``…/verify/<payload>.<signature>`` or just its last part. The
keys are this deployment's (``certificate_keys``), or a saved copy of another
deployment's ``/.well-known/kamtibmas/keys.json`` (``--keys FILE``): no network.
Exits 0 when the certificate is valid, 1 otherwise. Revocation is recorded by the
issuing deployment and cannot be seen offline: the output says so.

Reading the QR out of a certificate's PDF comes with the PDF itself (issue 7, point 3).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kamtibmas.certificates.keys import verification_keys
from kamtibmas.certificates.verify import Reason, VerificationKey, keyset_parse, verify
from kamtibmas.core.timefmt import local_today

#: What each reason means to the person holding the paper.
REASONS = {
    Reason.MALFORMED: gettext_noop("This is not a Kamtibmas certificate code (%(detail)s)."),
    Reason.UNKNOWN_KEY: gettext_noop("No known key signed this certificate."),
    Reason.COMPROMISED_KEY: gettext_noop("The key that signed this certificate was compromised."),
    Reason.BAD_SIGNATURE: gettext_noop(
        "The signature does not match: the certificate was altered."
    ),
    Reason.REVOKED: gettext_noop("The certificate was revoked."),
    Reason.NOT_YET_VALID: gettext_noop("The certificate is dated in the future."),
    Reason.EXPIRED: gettext_noop("The certificate has expired."),
}


def qr_text(argument: str) -> str:
    """The ``<payload>.<signature>`` part of a QR text or verification URL."""
    text = argument.strip()
    marker = "/verify/"
    return text.rsplit(marker, 1)[1] if marker in text else text


class Command(BaseCommand):
    help = (
        "Verify a certificate QR offline: the verification URL or its last part. Exits "
        "0 when valid, 1 when not."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("qr", help="The QR text: …/verify/<payload>.<signature>.")
        parser.add_argument(
            "--keys",
            type=Path,
            help="A saved keys.json of the issuing deployment (default: this one's keys).",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            help="The date to verify on (YYYY-MM-DD; default: today in WIB).",
        )

    def handle(self, *args: Any, qr: str, keys: Path | None, today: date | None, **_o: Any) -> None:
        verdict = verify(qr_text(qr), keys=self._keys(keys), today=today or local_today())
        certificate = verdict.certificate
        if certificate is not None:
            self.stdout.write(
                "\n".join(
                    f"{label}: {value}"
                    for label, value in (
                        (_("Number"), certificate.no),
                        (_("Name"), certificate.name),
                        (_("Items"), ", ".join(certificate.items)),
                        (_("Issued by"), certificate.unit),
                        (
                            _("Valid"),
                            f"{certificate.iat.isoformat()} – {certificate.exp.isoformat()}",
                        ),
                    )
                )
            )
        if not verdict.valid:
            assert verdict.reason is not None
            raise CommandError(
                _("INVALID: %(why)s")
                % {"why": _(REASONS[verdict.reason]) % {"detail": verdict.detail or ""}}
            )
        self.stdout.write(_("VALID: signed by a known key and within its dates."))
        self.stdout.write(
            _("Revocation cannot be checked offline: open the verification URL to check it.")
        )

    def _keys(self, path: Path | None) -> dict[str, VerificationKey]:
        if path is None:
            return verification_keys()
        try:
            return keyset_parse(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(
                _("Cannot read the keys in %(file)s: %(error)s") % {"file": path, "error": exc}
            ) from exc
