"""The §5 triage taxonomy (a contract): category and urgency codes and the default
responsible body of each category."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    NARKOBA = "narkoba", _("Drugs")
    PENCURIAN = "pencurian", _("Theft")
    KEKERASAN = "kekerasan", _("Violence")
    PENIPUAN = "penipuan", _("Fraud")
    KETERTIBAN = "ketertiban", _("Public order")
    REMAJA = "remaja", _("Youth")
    LALU_LINTAS = "lalu_lintas", _("Traffic")
    KEAMANAN = "keamanan", _("Neighbourhood security")
    LAYANAN = "layanan", _("Police services")
    SOSIAL = "sosial", _("Social affairs")
    LINGKUNGAN = "lingkungan", _("Environment and infrastructure")
    LAINNYA = "lainnya", _("Other")


class Urgency(models.TextChoices):
    DARURAT = "darurat", _("Emergency")
    TINGGI = "tinggi", _("High")
    SEDANG = "sedang", _("Medium")
    RENDAH = "rendah", _("Low")


# Default responsible body per category (§5); configurable routing comes with C2.
RESPONSIBLE: dict[Category, str] = {
    Category.NARKOBA: "satresnarkoba",
    Category.PENCURIAN: "satreskrim",
    Category.KEKERASAN: "satreskrim",
    Category.PENIPUAN: "satreskrim_siber",
    Category.KETERTIBAN: "samapta",
    Category.REMAJA: "satbinmas",
    Category.LALU_LINTAS: "satlantas",
    Category.KEAMANAN: "samapta",
    Category.LAYANAN: "spkt",
    Category.SOSIAL: "kelurahan",
    Category.LINGKUNGAN: "kelurahan",
    Category.LAINNYA: "spkt",
}
