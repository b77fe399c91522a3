"""The administrative hierarchy (§3) and the organisational units that cover it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    REGENCY = 2, _("Regency/city")
    DISTRICT = 3, _("District (kecamatan)")
    VILLAGE = 4, _("Village/ward (desa/kelurahan)")
    RW = 5, _("RW")
    RT = 6, _("RT")


# The ancestor column that holds an area of each level; see Area.ancestor fields.
ANCESTOR_FIELD = {
    AreaLevel.PROVINCE: "province",
    AreaLevel.REGENCY: "regency",
    AreaLevel.DISTRICT: "district",
    AreaLevel.VILLAGE: "village",
    AreaLevel.RW: "rw",
}


class TimeZone(models.TextChoices):
    WIB = "Asia/Jakarta", "WIB"
    WITA = "Asia/Makassar", "WITA"
    WIT = "Asia/Jayapura", "WIT"


class AreaKind(models.TextChoices):
    PROVINSI = "provinsi", _("Province")
    KABUPATEN = "kabupaten", _("Regency")
    KOTA = "kota", _("City")
    KECAMATAN = "kecamatan", _("District")
    DESA = "desa", _("Village")
    KELURAHAN = "kelurahan", _("Urban ward")
    RW = "rw", _("RW")
    RT = "rt", _("RT")


_KIND_LABELS = dict(AreaKind.choices)


def area_label(*, level: int, kind: str, name: str) -> str:
    """An area as text: "Kecamatan Bekasi Selatan", "Kelurahan Kayuringin Jaya".
    Regency and RW/RT names already say what they are ("Kota Bekasi", "RW 024")."""
    if level in (AreaLevel.DISTRICT, AreaLevel.VILLAGE):
        # One translation, not get_kind_display()'s pass over every choice: public
        # listings name hundreds of areas per request.
        return f"{_KIND_LABELS.get(kind, kind)} {name}"
    return name


class AreaQuerySet(models.QuerySet["Area"]):
    def descendants_of(self, area: Area, *, include_self: bool = False) -> AreaQuerySet:
        """Every area below ``area``: one indexed equality on its ancestor column."""
        if area.level == AreaLevel.RT:
            below = self.none()
        else:
            below = self.filter(**{ANCESTOR_FIELD[AreaLevel(area.level)]: area})
        if include_self:
            return below | self.filter(pk=area.pk)
        return below

    def within(self, areas: models.QuerySet[Area] | list[Area]) -> AreaQuerySet:
        """Areas equal to or below any of ``areas``."""
        return self.filter(within_q(list(areas)))


def within_q(areas: list[Area], prefix: str = "") -> models.Q:
    """A ``Q`` matching rows whose area (reached through ``prefix``) lies inside ``areas``.

    ``prefix`` is the lookup path to the area from the filtered model, e.g.
    ``"area__"`` for a record with an ``area`` foreign key, ``""`` for Area itself.
    One ``IN`` per level, each on an indexed foreign-key column.
    """
    if not areas:
        return models.Q(pk__in=[])
    by_level: dict[int, list[int]] = {}
    for area in areas:
        by_level.setdefault(area.level, []).append(area.pk)
    query = models.Q(**{f"{prefix}pk__in": [area.pk for area in areas]})
    for level, ids in by_level.items():
        if level in ANCESTOR_FIELD:
            query |= models.Q(**{f"{prefix}{ANCESTOR_FIELD[AreaLevel(level)]}__in": ids})
    return query


class Area(models.Model):
    """One node of the Kemendagri hierarchy, or an RW/RT created under a kelurahan.

    Each row carries its ancestors in dedicated columns (``province`` … ``rw``), so
    "is X inside Y" and "everything below Y" are single indexed equalities on both
    SQLite and PostgreSQL, with no recursion.
    """

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=AreaLevel.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=AreaKind.choices)
    timezone = models.CharField(_("time zone"), max_length=16, choices=TimeZone.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    province = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    regency = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    district = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    village = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rw = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaQuerySet.as_manager()
    # The registry is public reference data; scoping an Area means "inside coverage".
    tenant_area_path = ""

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "name"], name="area_level_name")]

    def __str__(self) -> str:
        return area_label(level=self.level, kind=self.kind, name=self.name)

    @property
    def zone_abbreviation(self) -> str:
        return TimeZone(self.timezone).label

    def ancestor_ids(self) -> list[int]:
        """Ids from the province down to the parent, read from this row alone."""
        ids = [self.province_id, self.regency_id, self.district_id, self.village_id, self.rw_id]
        return [pk for pk in ids[: self.level - 1] if pk is not None]

    def ancestors(self) -> list[Area]:
        """From the province down to the parent, in one query."""
        ids = self.ancestor_ids()
        by_id = Area.objects.in_bulk(ids)
        return [by_id[pk] for pk in ids]


class UnitKind(models.TextChoices):
    POLDA = "polda", _("Polda (regional police)")
    POLRES = "polres", _("Polres (city/regency police)")
    POLSEK = "polsek", _("Polsek (district police)")
    POST = "post", _("Police post")
    SATUAN = "satuan", _("Functional unit (Satreskrim, Satlantas, …)")
    KELURAHAN = "kelurahan", _("Kelurahan/desa office")
    KECAMATAN = "kecamatan", _("Kecamatan office")
    AGENCY = "agency", _("City/regency agency")


POLICE_KINDS = frozenset(
    {UnitKind.POLDA, UnitKind.POLRES, UnitKind.POLSEK, UnitKind.POST, UnitKind.SATUAN}
)


class Unit(models.Model):
    """A police unit or partner agency: the tenancy boundary (§2).

    ``path`` is the materialised chain of ids from the root (``/3/7/12/``), kept by
    ``services.unit_create``, ``unit_update`` and ``unit_move`` (every write of a
    unit goes through them), so a unit's subtree is one prefix match.
    """

    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=12, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    coverage = models.ManyToManyField(
        Area, verbose_name=_("areas covered"), related_name="covering_units", blank=True
    )
    area = models.ForeignKey(
        Area,
        verbose_name=_("located in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="located_units",
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("office phone"), max_length=20, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=120, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    tenant_unit_path = ""

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["kind", "latitude", "longitude"], name="unit_kind_lat_lon"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="unit_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="unit_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_police(self) -> bool:
        return self.kind in POLICE_KINDS
