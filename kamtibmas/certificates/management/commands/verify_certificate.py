"""``kamtibmas verify_certificate QR_TEXT_OR_PDF``: verify a certificate offline (§6).

The argument is the QR text (the URL ``…/verify/<payload>.<signature>`` or just its
last part) or the path of the certificate's PDF, whose first page's QR code is read
(``pdf.qr_text_from_pdf``). The keys are this deployment's (``certificate_keys``), or
a saved copy of another deployment's ``/.well-known/kamtibmas/keys.json`` (``--keys
FILE``): no network. Exits 0 when the certificate is valid, 1 otherwise, and also 1
with a message naming the file when a PDF cannot be read or shows no QR code.
Revocation is recorded by the issuing deployment and cannot be seen offline: the
output says so.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kamtibmas.certificates.keys import verification_keys
from kamtibmas.certificates.pdf import MAX_PDF_BYTES, NoQrFound, NoQrReason, qr_text_from_pdf
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


#: Why a PDF gave no QR text.
PDF_PROBLEMS = {
    NoQrReason.TOO_LARGE: gettext_noop("%(file)s is too large to be a certificate."),
    NoQrReason.NOT_PDF: gettext_noop("%(file)s is not a readable PDF file."),
    NoQrReason.NO_QR: gettext_noop("No QR code was found on the first page of %(file)s."),
}


def qr_text(argument: str) -> str:
    """The ``<payload>.<signature>`` part of a QR text or verification URL."""
    text = argument.strip()
    marker = "/verify/"
    return text.rsplit(marker, 1)[1] if marker in text else text


class Command(BaseCommand):
    help = (
        "Verify a certificate offline: the verification URL, its last part, or the "
        "certificate's PDF. Exits 0 when valid, 1 when not."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "qr",
            help="The QR text (…/verify/<payload>.<signature>) or a certificate PDF file.",
        )
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
        text = self._from_pdf(Path(qr)) if self._names_a_file(qr) else qr
        verdict = verify(qr_text(text), keys=self._keys(keys), today=today or local_today())
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

    @staticmethod
    def _names_a_file(argument: str) -> bool:
        # os.path.isfile, not Path.is_file: a QR text is longer than a file name may be,
        # and only the former answers False rather than raising. A QR text never ends in
        # ".pdf" (its signature has no dot), so a missing PDF is reported as missing
        # rather than as a malformed code.
        return os.path.isfile(argument) or argument.strip().lower().endswith(".pdf")

    def _from_pdf(self, path: Path) -> str:
        try:
            with path.open("rb") as file:
                data = file.read(MAX_PDF_BYTES + 1)
        except FileNotFoundError as exc:
            raise CommandError(_("No such file: %(file)s") % {"file": path}) from exc
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}
            ) from exc
        try:
            return qr_text_from_pdf(data)
        except NoQrFound as exc:
            raise CommandError(_(PDF_PROBLEMS[exc.reason]) % {"file": path}) from exc

    def _keys(self, path: Path | None) -> dict[str, VerificationKey]:
        if path is None:
            return verification_keys()
        try:
            return keyset_parse(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(
                _("Cannot read the keys in %(file)s: %(error)s") % {"file": path, "error": exc}
            ) from exc
