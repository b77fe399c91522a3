"""Bulk import of households from CSV and XLSX (issue 8, point 2).

Reading is pure and streaming: ``household_rows_open`` yields the header and the
rows one by one (CSV line by line, XLSX through openpyxl's read-only mode), and
``row_clean`` checks one row with the rules of ``aid.services.household_register``.
``households_import`` is the one write: it checks every row, compares it with the
household already registered under the same KK number and writes in batches.

Decisions (docs/decisions/020-aid-distribution.md):

* **All or nothing per file.** Any refused row and nothing is written, unless
  ``skip_invalid``; then the valid rows are written and the refused ones listed.
  The whole import is one transaction, so a failure half-way leaves nothing.
* **A KK already registered is an update** when the file says something else about
  it: head name, area, and the optional columns the file has (address, members,
  children, notes). A column the file lacks leaves the stored value alone; an empty
  cell in a column it has clears it. Same data: unchanged, nothing written, so the
  same file twice changes nothing the second time.
* **Encodings.** Every line is UTF-8 (with or without BOM) if it can be, else
  Windows-1252 (Excel's "CSV" on an Indonesian or English Windows), else Latin-1,
  which accepts any byte. Deciding per line also reads files pasted together from
  two sources; the report counts the lines that were not UTF-8.
* **Preview** (``dry_run``) reads, checks and compares exactly as the import does and
  writes nothing, not even a new RT/RW: areas are compared by their code.
* **The database's bulk path.** New households and every audit entry are inserted
  with COPY (PostgreSQL) or one ``executemany`` per batch (SQLite), with the values
  the ORM would write (ciphertexts from the fields' crypter, adapted timestamps);
  the new ids are read back by blind index. ``bulk_create`` spent about half of the
  import's time building model instances and SQL (§9 P6, bench/README.md).
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kamtibmas.accounts.models import User
from kamtibmas.aid.models import Household
from kamtibmas.aid.services import AID_ROLES, NAME_MAX
from kamtibmas.areas.models import Area, AreaLevel, within_q
from kamtibmas.areas.services import area_rt_get_or_create, area_rw_get_or_create
from kamtibmas.core.bulk import rows_insert
from kamtibmas.core.scope import scope_for, visible_to
from kamtibmas.privacy.blind_index import blind_index
from kamtibmas.privacy.fields import KeyedEncryptionMixin, field_crypter
from kamtibmas.privacy.identifiers import normalise_kk
from kamtibmas.privacy.models import AuditAction, AuditEntry

BATCH = 1000
#: The fields an import writes besides the KK number and the area.
WRITTEN = ("head_name", "address", "members", "children", "vulnerability")
REQUIRED = ("kk_number", "head_name")
OPTIONAL = ("rt", "rw", "kelurahan", "address", "members", "children", "vulnerability")
#: Header names accepted for each field, after ``_column_key`` (lower case, runs of
#: spaces, dots and dashes made one underscore). The first is the Indonesian name.
ALIASES: dict[str, tuple[str, ...]] = {
    "kk_number": ("no_kk", "nomor_kk", "kk", "no_kartu_keluarga", "kk_number", "family_card"),
    "head_name": ("kepala_keluarga", "nama_kepala_keluarga", "nama", "head_name", "head"),
    "rt": ("rt",),
    "rw": ("rw",),
    "kelurahan": ("kelurahan", "desa", "kelurahan_desa", "kode_kelurahan", "village"),
    "address": ("alamat", "address"),
    "members": ("jumlah_anggota", "anggota", "jumlah_anggota_keluarga", "members"),
    "children": ("jumlah_anak", "anak", "children"),
    "vulnerability": ("catatan", "kerentanan", "catatan_kerentanan", "vulnerability", "notes"),
}
_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_SEPARATORS = re.compile(r"[\s.\-_/]+")
# Translated when a row is refused, not once for every row.
_MEMBERS = gettext_lazy("Members")
_CHILDREN = gettext_lazy("Children")
#: First two digits of the KK numbers ``normalise_kk`` has accepted: for 16 digits its
#: answer depends on nothing else (they must be a province code).
_KK_PREFIXES: set[str] = set()


Problems = list[tuple[str, str]]  # (field, message)


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (the message says why); nothing was."""


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's row number: the header is row 1
    field: str
    message: str


@dataclass
class ImportReport:
    new: int = 0
    unchanged: int = 0
    updated: int = 0
    refused: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: Lines read as Windows-1252 or Latin-1 because they were not UTF-8.
    not_utf8_lines: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    #: Whether the new and updated households were written (not a preview, and
    #: nothing refused or ``skip_invalid``).
    written: bool = False

    @property
    def rows(self) -> int:
        return self.new + self.unchanged + self.updated + self.refused


@dataclass
class HouseholdRows:
    """A file's header and its rows ``(row number, cells)``, read as they are used."""

    header: list[str]
    rows: Iterable[tuple[int, Sequence[Any]]]
    total: int | None = None  # rows after the header, when known beforehand
    decoding: _LineDecoder | None = None

    @property
    def not_utf8_lines(self) -> int:
        return self.decoding.fallbacks if self.decoding else 0


@dataclass(frozen=True)
class CleanRow:
    kk: str
    head_name: str
    rw: int | None
    rt: int | None
    kelurahan: str | None
    address: str | None
    members: int | None
    children: int | None
    vulnerability: str | None


# --- reading -----------------------------------------------------------------------------


class _LineDecoder:
    def __init__(self) -> None:
        self.fallbacks = 0

    def __call__(self, lines: Iterable[bytes]) -> Iterator[str]:
        first = True
        for raw in lines:
            if first:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
                first = False
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.fallbacks += 1
                try:
                    yield raw.decode("cp1252")
                except UnicodeDecodeError:
                    yield raw.decode("latin-1")


def rows_from_csv(stream: BinaryIO) -> HouseholdRows:
    """The rows of a CSV file opened in binary mode, delimiter ``,`` or ``;`` (or tab),
    as the header line shows."""
    decoder = _LineDecoder()
    lines = decoder(stream)
    header_line = next(lines, None)
    while header_line is not None and not header_line.strip():
        header_line = next(lines, None)
    if header_line is None:
        raise ImportFileError(_("The file is empty."))
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    [header] = list(csv.reader([header_line], delimiter=delimiter))
    reader = csv.reader(lines, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        # The reader's line count starts after the header line.
        for cells in reader:
            yield reader.line_num + 1, cells

    return HouseholdRows(header=header, rows=rows(), decoding=decoder)


def rows_from_xlsx(stream: BinaryIO) -> tuple[HouseholdRows, Callable[[], None]]:
    """The rows of the first sheet of an XLSX workbook, and how to close it."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise ImportFileError(_("This is not an XLSX workbook that can be read.")) from exc
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    number = 0
    header: Sequence[Any] | None = None
    for number, cells in enumerate(values, start=1):  # noqa: B007
        if any(_text(cell) for cell in cells):
            header = cells
            break
    if header is None:
        workbook.close()
        raise ImportFileError(_("The file is empty."))
    start = number + 1
    total = sheet.max_row - number if sheet.max_row else None

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        yield from enumerate(values, start=start)

    return (
        HouseholdRows(header=[_text(cell) for cell in header], rows=rows(), total=total),
        workbook.close,
    )


@contextmanager
def household_rows_open(path: str | Path) -> Iterator[HouseholdRows]:
    """Open a ``.csv`` or ``.xlsx`` file for ``households_import``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".txt", ".xlsx"):
        raise ImportFileError(
            _("Only CSV and XLSX files can be imported; “%(name)s” is neither.")
            % {"name": path.name}
        )
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise ImportFileError(
            _("The file “%(name)s” cannot be opened.") % {"name": path.name}
        ) from exc
    with stream, household_rows_read(stream, suffix) as source:
        yield source


@contextmanager
def household_rows_read(stream: BinaryIO, suffix: str) -> Iterator[HouseholdRows]:
    """The rows of a seekable binary ``stream`` holding a ``.xlsx`` workbook (when
    ``suffix`` says so) or a CSV file: ``household_rows_open`` without a path, for a
    file that is not on disk (the web upload, kept encrypted)."""
    if suffix.lower() == ".xlsx":
        source, close = rows_from_xlsx(stream)
        try:
            yield source
        finally:
            close()
    else:
        total = sum(1 for _line in stream) - 1
        stream.seek(0)
        source = rows_from_csv(stream)
        source.total = max(total, 0)
        yield source


# --- checking ----------------------------------------------------------------------------


def _column_key(name: str) -> str:
    return _SEPARATORS.sub("_", name.strip().lower()).strip("_")


def columns_map(header: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Each known field's column index, and the names of the columns not used.
    ``ImportFileError`` naming the expected columns when a required one is missing."""
    found: dict[str, int] = {}
    ignored: list[str] = []
    for index, name in enumerate(header):
        key = _BY_ALIAS.get(_column_key(name or ""))
        if key is None:
            if (name or "").strip():
                ignored.append(name.strip())
            continue
        if key in found:
            raise ImportFileError(
                _("Two columns mean the same: “%(first)s” and “%(second)s”.")
                % {"first": header[found[key]], "second": name}
            )
        found[key] = index
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise ImportFileError(
            _(
                "The header row lacks %(missing)s. Expected columns: no_kk and "
                "kepala_keluarga (required); rt, rw, kelurahan, alamat, jumlah_anggota, "
                "jumlah_anak, catatan (optional). The English names kk_number, head_name, "
                "address, members, children and vulnerability are accepted too."
            )
            % {"missing": ", ".join(ALIASES[name][0] for name in missing)}
        )
    return found, ignored


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _kk_normalised(value: str) -> str:
    """``normalise_kk``, without building its translated label for a number in the
    usual form. Raises its ``ValidationError``."""
    if len(value) == 16 and value.isdigit() and value[:2] in _KK_PREFIXES:
        return value
    kk = normalise_kk(value)
    _KK_PREFIXES.add(kk[:2])
    return kk


def _whole(value: str, label: Any, errors: Problems, name: str) -> int | None:
    if not value:
        return None
    text = value.removesuffix(".0")
    if not text.isdigit():
        message = _("%(label)s must be a whole number; “%(value)s” is not.")
        errors.append((name, message % {"label": label, "value": value}))
        return None
    return int(text)


def row_clean(cells: Sequence[Any], columns: dict[str, int]) -> tuple[CleanRow | None, Problems]:
    """One row checked with ``household_register``'s rules: the clean row, or the
    errors ``(field, message)``. Pure: no database."""
    values = {
        name: _text(cells[index]) if index < len(cells) else "" for name, index in columns.items()
    }
    errors: Problems = []
    try:
        kk = _kk_normalised(values["kk_number"])
    except ValidationError as exc:
        errors.append(("kk_number", exc.messages[0]))
        kk = ""
    name = values["head_name"]
    if not name:
        errors.append(("head_name", _("Give the name of the head of the household.")))
    elif len(name) > NAME_MAX:
        errors.append(("head_name", _("At most %(max)d characters.") % {"max": NAME_MAX}))
    rw = _whole(values.get("rw", ""), "RW", errors, "rw")
    rt = _whole(values.get("rt", ""), "RT", errors, "rt")
    for label, number, key in (("RW", rw, "rw"), ("RT", rt, "rt")):
        if number is not None and not 1 <= number <= 999:
            message = _("%(label)s numbers run from 1 to 999.")
            errors.append((key, message % {"label": label}))
    if rt is not None and rw is None and not any(key == "rw" for key, _m in errors):
        errors.append(("rw", _("An RT lies in an RW: give the RW too.")))
    members = _whole(values.get("members", ""), _MEMBERS, errors, "members")
    children = _whole(values.get("children", ""), _CHILDREN, errors, "children")
    if members is not None and members < 1:
        errors.append(("members", _("A household has at least one member.")))
    elif children is not None and children > (members if members is not None else children):
        errors.append(("children", _("Children are counted among the members.")))
    if errors:
        return None, errors
    return (
        CleanRow(
            kk=kk,
            head_name=name,
            rw=rw,
            rt=rt if rw is not None else None,
            kelurahan=values.get("kelurahan") or None,
            address=values["address"] or None if "address" in columns else None,
            members=members,
            children=children,
            vulnerability=values["vulnerability"] or None if "vulnerability" in columns else None,
        ),
        [],
    )


# --- the import --------------------------------------------------------------------------


@dataclass
class _Pending:
    row: int
    clean: CleanRow
    village: Area
    index: str


class _Importer:
    def __init__(
        self,
        *,
        actor: User,
        kelurahan: Area | None,
        columns: dict[str, int],
        write: bool,
        skip_invalid: bool,
        report: ImportReport,
    ) -> None:
        self.actor = actor
        self.kelurahan = kelurahan
        self.columns = columns
        self.write = write
        self.skip_invalid = skip_invalid
        self.report = report
        self.first_row: dict[str, int] = {}  # KK number → the row that first named it
        self.villages: dict[str, Area | str] = {}  # kelurahan cell → area or error
        self.areas: dict[tuple[int, int | None, int | None], Area] = {}
        self.pending: list[_Pending] = []

    def refuse(self, row: int, errors: Problems) -> None:
        self.report.refused += 1
        self.report.errors.extend(RowError(row, name, message) for name, message in errors)

    def take(self, row: int, cells: Sequence[Any]) -> None:
        if not any(_text(cell) for cell in cells):
            return
        clean, errors = row_clean(cells, self.columns)
        kk = clean.kk if clean else _kk_or_empty(cells, self.columns)
        if kk:
            first = self.first_row.setdefault(kk, row)
            if first != row:
                errors.append(
                    ("kk_number", _("This KK number is already in row %(row)d.") % {"row": first})
                )
        village = self.village_of(clean, cells, errors)
        if errors or clean is None or village is None:
            self.refuse(row, errors)
            return
        self.pending.append(_Pending(row, clean, village, blind_index("kk", clean.kk)))
        if len(self.pending) >= BATCH:
            self.flush()

    def village_of(
        self, clean: CleanRow | None, cells: Sequence[Any], errors: Problems
    ) -> Area | None:
        if clean is None:
            return self.kelurahan
        if not clean.kelurahan:
            if self.kelurahan is None:
                errors.append(("kelurahan", _("Give the kelurahan (its code or name).")))
            return self.kelurahan
        found = self.villages.get(clean.kelurahan.casefold())
        if found is None:
            found = self.village_find(clean.kelurahan)
            self.villages[clean.kelurahan.casefold()] = found
        if isinstance(found, str):
            errors.append(("kelurahan", found))
            return None
        return found

    def village_find(self, cell: str) -> Area | str:
        if self.kelurahan is not None:
            if cell.casefold() in (self.kelurahan.code.casefold(), self.kelurahan.name.casefold()):
                return self.kelurahan
            return _("This file is for %(kelurahan)s; this row is for “%(value)s”.") % {
                "kelurahan": self.kelurahan.name,
                "value": cell,
            }
        candidates = visible_to(
            Area.objects.filter(level=AreaLevel.VILLAGE, code=cell)
            | Area.objects.filter(level=AreaLevel.VILLAGE, name__iexact=cell),
            self.actor,
        )[:2]
        matches = list(candidates)
        if len(matches) == 1:
            return matches[0]
        if not matches:
            return _("No kelurahan “%(value)s” in your unit's area.") % {"value": cell}
        return _("More than one kelurahan is called “%(value)s”: give its code.") % {"value": cell}

    def area_code(self, item: _Pending) -> str:
        code = item.village.code
        if item.clean.rw is not None:
            code += f".{item.clean.rw:03d}"
            if item.clean.rt is not None:
                code += f".{item.clean.rt:03d}"
        return code

    def area_of(self, item: _Pending) -> Area:
        key = (item.village.pk, item.clean.rw, item.clean.rt)
        area = self.areas.get(key)
        if area is None:
            area = item.village
            if item.clean.rw is not None:
                area = area_rw_get_or_create(village=area, number=item.clean.rw)
                if item.clean.rt is not None:
                    area = area_rt_get_or_create(rw=area, number=item.clean.rt)
            self.areas[key] = area
        return area

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        existing = {
            household.kk_index: household
            for household in Household.objects.filter(
                kk_index__in=[item.index for item in batch]
            ).select_related("area")
        }
        visible = set(
            visible_to(
                Household.objects.filter(pk__in=[h.pk for h in existing.values()]), self.actor
            ).values_list("pk", flat=True)
        )
        writing = self.write and (self.skip_invalid or not self.report.refused)
        new: list[tuple[_Pending, dict[str, Any]]] = []
        changed: list[Household] = []
        for item in batch:
            household = existing.get(item.index)
            if household is not None and household.pk not in visible:
                self.refuse(
                    item.row,
                    [("kk_number", _("This KK number is registered outside your unit's area."))],
                )
                continue
            target = self.values(item, household)
            if target is None:
                self.refuse(item.row, [("children", _("Children are counted among the members."))])
                continue
            if household is None:
                self.report.new += 1
                if writing:
                    new.append((item, target))
                continue
            stored = {name: getattr(household, name) for name in target}
            if stored == target and household.area.code == self.area_code(item):
                self.report.unchanged += 1
                continue
            self.report.updated += 1
            if writing:
                for name, value in target.items():
                    setattr(household, name, value)
                household.area = self.area_of(item)
                household.updated_at = timezone.now()
                changed.append(household)
        if new:
            rows = self.household_rows(new)
            try:
                with transaction.atomic():
                    _rows_insert(Household, rows)
            except IntegrityError as exc:
                raise ImportFileError(
                    _("Households were registered while the file was imported: import it again.")
                ) from exc
            ids = dict(
                Household.objects.filter(kk_index__in=[item.index for item, _t in new]).values_list(
                    "kk_index", "pk"
                )
            )
            self.audit(
                AuditAction.CREATE,
                [ids[item.index] for item, _t in new],
                Household.registered_fields,
            )
        if changed:
            fields = [*WRITTEN, "area", "updated_at"]
            Household.objects.bulk_update(changed, fields, batch_size=BATCH)
            self.audit(
                AuditAction.UPDATE,
                [household.pk for household in changed],
                [name for name in self.updatable if name in Household.registered_fields],
            )

    def household_rows(self, new: list[tuple[_Pending, dict[str, Any]]]) -> list[tuple[Any, ...]]:
        """The ``aid_household`` rows (``_inserted_fields`` order) of new households, as
        ``bulk_create`` would write them: the model's defaults for what ``values`` leaves
        out, encrypted fields through the fields' crypter (an empty value as NULL), both
        timestamps now."""
        encrypt = field_crypter().encrypt

        def sealed(value: Any) -> str | None:
            # EncryptedFieldMixin.get_prep_value: a false value is stored as NULL.
            return encrypt(str(value).encode("utf-8")).decode("utf-8") if value else None

        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        inserted = _inserted_fields(Household)
        fields = [(field.name, encrypted) for field, encrypted in inserted]
        defaults = {field.name: field.get_default() for field, _encrypted in inserted}
        defaults.update(created_at=stamp, updated_at=stamp)
        rows = []
        for item, target in new:
            values = defaults.copy()
            values.update(target)
            values.update(kk_number=item.clean.kk, kk_index=item.index, area=self.area_of(item).pk)
            rows.append(
                tuple(
                    [
                        sealed(values[name]) if encrypted else values[name]
                        for name, encrypted in fields
                    ]
                )
            )
        return rows

    def audit(self, action: AuditAction, subject_ids: list[int], fields: Sequence[str]) -> None:
        """``privacy.services.audit_record_many`` for imported households, one entry
        each, through the database's bulk path."""
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        names = AuditEntry._meta.get_field("fields").get_db_prep_save(
            sorted(set(fields)), connection
        )
        values = {
            "created_at": stamp,
            "actor": self.actor.pk,
            "actor_unit": self.actor.unit_id,
            "action": AuditAction(action).value,
            "subject_type": Household._meta.label_lower,
            "fields": names,
            "reason": "households imported",
        }
        order = [field.name for field, _encrypted in _inserted_fields(AuditEntry)]
        rows = []
        for pk in subject_ids:
            values["subject_id"] = str(pk)
            rows.append(tuple(values[name] for name in order))
        _rows_insert(AuditEntry, rows)

    @property
    def updatable(self) -> list[str]:
        optional = ("address", "members", "children", "vulnerability")
        return ["head_name", *(name for name in optional if name in self.columns)]

    def values(self, item: _Pending, household: Household | None) -> dict[str, Any] | None:
        """What the household's fields should be: the file's columns, and for a new
        household the defaults for the columns the file lacks. ``None`` when the
        file's members and the stored children (or the reverse) disagree."""
        clean = item.clean
        target: dict[str, Any] = {"head_name": clean.head_name}
        if "address" in self.columns:
            target["address"] = clean.address
        if "vulnerability" in self.columns:
            target["vulnerability"] = clean.vulnerability
        has_members, has_children = "members" in self.columns, "children" in self.columns
        children = clean.children or 0
        if household is not None and not has_children:
            children = household.children
        # A family with n children has at least n members.
        members = clean.members if clean.members is not None else max(1, children)
        if household is not None and not has_members:
            members = max(household.members, children)
        if children > members:
            return None
        if has_members or household is None or members != household.members:
            target["members"] = members
        if has_children or household is None:
            target["children"] = children
        return target


def _inserted_fields(model: type[models.Model]) -> list[tuple[models.Field, bool]]:
    """The concrete fields an insert writes (all but the primary key), each with
    whether it is encrypted."""
    return [
        (field, isinstance(field, KeyedEncryptionMixin))
        for field in model._meta.concrete_fields
        if not field.primary_key
    ]


def _rows_insert(model: type[models.Model], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (``_inserted_fields`` order, values as the database takes them)
    with the database's bulk path: COPY on PostgreSQL, ``executemany`` elsewhere."""
    columns = [field.column for field, _encrypted in _inserted_fields(model)]
    rows_insert(model._meta.db_table, columns, rows)


def _kk_or_empty(cells: Sequence[Any], columns: dict[str, int]) -> str:
    index = columns["kk_number"]
    try:
        return normalise_kk(_text(cells[index]) if index < len(cells) else "")
    except ValidationError:
        return ""


def households_import(
    *,
    actor: User,
    rows_source: HouseholdRows,
    kelurahan: Area | None,
    dry_run: bool,
    skip_invalid: bool = False,
    progress: Callable[[int], object] | None = None,
) -> ImportReport:
    """Import the households of ``rows_source`` into ``kelurahan`` (or, when it is
    ``None``, into the kelurahan each row names in its ``kelurahan`` column).

    All or nothing: if any row is refused nothing is written, unless
    ``skip_invalid``. ``dry_run`` writes nothing and reports the same counts.
    ``ImportFileError`` when the file as a whole cannot be read (wrong columns);
    ``PermissionDenied`` for an actor who does not keep households of that area.
    ``progress(n)`` is called after every ``n`` rows read.
    """
    if not actor.is_authenticated or actor.role not in AID_ROLES:
        raise PermissionDenied(_("Only community officers and commanders register households."))
    if kelurahan is not None:
        if kelurahan.level != AreaLevel.VILLAGE:
            raise ImportFileError(_("Choose a kelurahan or desa to import into."))
        scope = scope_for(actor)
        if not (
            scope.everything
            or Area.objects.filter(within_q(list(scope.areas)), pk=kelurahan.pk).exists()
        ):
            raise PermissionDenied(_("That area is outside your unit."))
    columns, ignored = columns_map(rows_source.header)
    if kelurahan is None and "kelurahan" not in columns:
        raise ImportFileError(_("Say which kelurahan the file is for, or give a kelurahan column."))
    report = ImportReport(ignored_columns=ignored)
    importer = _Importer(
        actor=actor,
        kelurahan=kelurahan,
        columns=columns,
        write=not dry_run,
        skip_invalid=skip_invalid,
        report=report,
    )
    with transaction.atomic():
        read = 0
        for row, cells in rows_source.rows:
            importer.take(row, cells)
            read += 1
            if progress is not None and read % 500 == 0:
                progress(500)
        importer.flush()
        if progress is not None and read % 500:
            progress(read % 500)
        report.written = not dry_run and (skip_invalid or not report.refused)
        if not report.written:
            # Areas created on demand by batches written before a refusal.
            transaction.set_rollback(True)
    report.not_utf8_lines = rows_source.not_utf8_lines
    return report
