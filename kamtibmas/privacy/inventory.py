"""The personal-data inventory (UU PDP; SECURITY.md 1, 6; issue 11 point 1).

Every concrete field of every model of the project is declared here once: how it is
classified, for which processing purpose it is kept and under which retention
category it expires. ``privacy/tests/test_inventory.py`` fails when a field is
missing, when an identifier is not an encrypted field or when a blind index is not
shaped like one; ``kamtibmas privacy_inventory`` prints this module as the Markdown
of ``docs/privacy/inventory.md``, and a test keeps that file equal to it.

Why one central registry rather than an attribute on each model: the data-protection
officer reviews one file, not twenty; a model change in any app fails one test that
points here; and the apps' models stay free of compliance bookkeeping. Adding a
field: add one line to its model's ``fields`` below and, when the field holds
personal data, say why in a note.

This module is plain data: it imports no model, so it can be read without Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Classification(StrEnum):
    #: Not about a person (reference data, counts, technical state, a staff
    #: member's actions recorded as foreign keys are GENERAL through the user).
    NONE = "none"
    #: "Data pribadi yang bersifat umum" (UU PDP Art. 4(3)): names, dates, free text.
    GENERAL = "general"
    #: "Data pribadi yang bersifat spesifik" (UU PDP Art. 4(2)): health, biometrics,
    #: religion (here, as asked on a loss report), criminal matters, children's data,
    #: personal finances.
    SPECIFIC = "specific"
    #: Data that singles a person out on its own: NIK, KK number, phone number, email
    #: address, an address down to the house. Encrypted at rest (SECURITY.md 1).
    IDENTIFIER = "identifier"
    #: A keyed HMAC-SHA256 of an identifier, for exact lookups (SECURITY.md 2):
    #: pseudonymous, useless without the blind-index key, but personal data in law.
    BLIND_INDEX = "blind_index"


@dataclass(frozen=True)
class FieldUse:
    classification: Classification
    note: str = ""
    #: Overrides the model's retention category for this field.
    retention: str = ""
    #: BLIND_INDEX only: the IDENTIFIER field of the same model it indexes and the
    #: ``blind_index`` kind (domain) it is computed with.
    index_of: str = ""
    index_kind: str = ""
    #: IDENTIFIER only: the issue that tracks encrypting it, when it is not yet.
    known_gap: str = ""


@dataclass(frozen=True)
class ModelUse:
    purpose: str
    retention: str
    fields: Mapping[str, FieldUse]
    note: str = ""


@dataclass(frozen=True)
class Purpose:
    title: str
    subjects: str
    legal_basis: str


# -- Shorthands, so each line of the registry reads as "name: what it is" ----------


def none(note: str = "") -> FieldUse:
    return FieldUse(Classification.NONE, note)


def general(note: str = "", *, retention: str = "") -> FieldUse:
    return FieldUse(Classification.GENERAL, note, retention=retention)


def specific(note: str, *, retention: str = "") -> FieldUse:
    return FieldUse(Classification.SPECIFIC, note, retention=retention)


def identifier(note: str = "", *, retention: str = "", known_gap: str = "") -> FieldUse:
    return FieldUse(Classification.IDENTIFIER, note, retention=retention, known_gap=known_gap)


def index_of(source: str, kind: str, *, retention: str = "") -> FieldUse:
    return FieldUse(
        Classification.BLIND_INDEX,
        f"keyed HMAC-SHA256 of `{source}` (kind `{kind}`)",
        retention=retention,
        index_of=source,
        index_kind=kind,
    )


def not_personal(*names: str, note: str = "") -> dict[str, FieldUse]:
    """Fields that say nothing about a person, listed by name so that a new field
    of the model is still reviewed."""
    return {name: none(note) for name in names}


#: A secret token's digest (receipt codes, API keys, check-in codes; SECURITY.md 11):
#: proves possession of a code, reveals nothing.
TOKEN_DIGEST = none("SHA-256 of a random secret code (SECURITY.md 11)")
STAFF_LINK = general("the staff member who acted")


PURPOSES: dict[str, Purpose] = {
    "accounts": Purpose(
        "Staff and resident accounts, sign-in and attribution of staff actions",
        "staff (police officers, partner agencies' staff); residents who open an account",
        "staff: UU PDP Art. 20(2)(e) public task / official authority (UU 2/2002 on Polri); "
        "residents: Art. 20(2)(a) consent (an account is optional)",
    ),
    "aspirations": Purpose(
        "Receiving, routing and answering aspirations and complaints (C2), incl. Open311",
        "reporters (named, confidential; anonymous ones are not identified), people "
        "named in a report",
        "Art. 20(2)(e) public service and official authority (UU 2/2002 Art. 13-14: "
        "receiving reports and complaints); contact details for progress notices: "
        "Art. 20(2)(a) consent (optional fields, the reporter chooses the channel)",
    ),
    "loss_reports": Purpose(
        "Loss reports and free loss certificates (SKTLK, C3)",
        "residents who report a loss",
        "Art. 20(2)(e) public service by the police (UU 2/2002 Art. 15(1)(k))",
    ),
    "aid": Purpose(
        "Aid distribution: households, hand-outs, stock (C4)",
        "heads of households and their families (including counts of children), recipients",
        "Art. 20(2)(e) public service (social assistance); Art. 20(2)(a) consent of the "
        "recipient's signature or photo",
    ),
    "engagements": Purpose(
        "Community dialogues: plans, officials, attendance, minutes, photos, "
        "inspections, follow-ups (C1, C5)",
        "officers, officials present, residents who sign in, people in photos",
        "Art. 20(2)(e) public task (community policing, Perkap 3/2015 on Polmas); "
        "named sign-in lists: Art. 20(2)(a) consent (recorded per attendee)",
    ),
    "surveys": Purpose(
        "Post-event surveys of sense of security and satisfaction (C6)",
        "residents who answer (unnamed)",
        "Art. 20(2)(a) consent (answering is voluntary)",
    ),
    "notifications": Purpose(
        "Progress notices and staff alerts through the outbox (C2)",
        "reporters who asked for notices, staff",
        "as the purpose the message serves (aspirations: consent to the channel)",
    ),
    "reports": Purpose(
        "Leadership reports, dashboards and press-release drafts (C6)",
        "officers, officials named in dialogue records",
        "Art. 20(2)(e) public task (accountability and public information)",
    ),
    "audit": Purpose(
        "Audit trail of staff access to personal data (SECURITY.md 5, 7)",
        "staff who read or change personal data",
        "Art. 20(2)(c) legal obligation (controller accountability, UU PDP Art. 31, 35, 47)",
    ),
    "reliability": Purpose(
        "Reliable intake: idempotency ledger, background jobs",
        "API clients (staff accounts), reporters whose submission is replayed",
        "ancillary to the purpose of the request it protects",
    ),
    "reference": Purpose(
        "Reference data and configuration (areas, units, settings)",
        "none (police units' office contacts are organisational, not personal)",
        "not personal data",
    ),
}


#: Model label (``app_label.ModelName``) → its fields.
INVENTORY: dict[str, ModelUse] = {
    # -- core ---------------------------------------------------------------------
    "core.IdempotencyKey": ModelUse(
        purpose="reliability",
        retention="idempotency",
        fields={
            **not_personal("id", "key", "fingerprint", "state", "claim", "status_code"),
            "client": general("`user:<id>` of the calling account, or empty"),
            "locked_at": none("set only while in flight (anonymous reports keep no time)"),
            "body": general("the first answer, replayed; may hold a receipt code"),
            "location": none("a URL without personal data (SECURITY.md 12)"),
            "created_at": none("the UTC day"),
        },
    ),
    "core.ReferenceVersion": ModelUse(
        purpose="reference", retention="reference", fields=not_personal("id", "stamp")
    ),
    # -- areas --------------------------------------------------------------------
    "areas.Area": ModelUse(
        purpose="reference",
        retention="reference",
        fields=not_personal(
            "id",
            "code",
            "name",
            "level",
            "kind",
            "timezone",
            "parent",
            "province",
            "regency",
            "district",
            "village",
            "rw",
            "created_at",
            "updated_at",
        ),
    ),
    "areas.Unit": ModelUse(
        purpose="reference",
        retention="reference",
        fields={
            **not_personal(
                "id",
                "name",
                "kind",
                "parent",
                "path",
                "area",
                "opening_hours",
                "latitude",
                "longitude",
                "created_at",
                "updated_at",
            ),
            "address": none("the police office's public address, not a person's"),
            "phone": none("the police office's public number, not a person's"),
        },
    ),
    # -- accounts -----------------------------------------------------------------
    "accounts.User": ModelUse(
        purpose="accounts",
        retention="staff_account",
        fields={
            **not_personal("id", "is_superuser", "is_staff", "is_active", "role", "unit"),
            "password": none("a salted password hash"),
            "last_login": general(),
            "username": general("chosen by the user; may be a name"),
            "first_name": general(),
            "last_name": general(),
            "email": identifier("Django's own column, encrypted; used for staff alerts"),
            "date_joined": general(),
            "rank": general("staff: printed on certificates"),
            "nrp": general(
                "staff service number (NRP/NIP), printed on every certificate the "
                "officer signs: public in the officer's role, so not treated as an "
                "identifier of a private person"
            ),
            "phone": identifier(),
            "phone_index": index_of("phone", "phone"),
        },
    ),
    "accounts.ApiToken": ModelUse(
        purpose="accounts",
        retention="staff_account",
        fields={
            **not_personal(
                "id", "name", "prefix", "scopes", "created_at", "expires_at", "revoked_at"
            ),
            "user": STAFF_LINK,
            "digest": TOKEN_DIGEST,
            "last_used_at": general("when the staff member last used the API"),
        },
    ),
    # -- privacy ------------------------------------------------------------------
    "privacy.AuditEntry": ModelUse(
        purpose="audit",
        retention="audit_log",
        fields={
            **not_personal("id", "action", "subject_type", "subject_id", "fields"),
            "created_at": general(),
            "actor": STAFF_LINK,
            "actor_unit": none(),
            "reason": general("why the staff member accessed the data; no identifiers"),
        },
    ),
    "privacy.DataSubjectRequest": ModelUse(
        purpose="audit",
        retention="audit_log",
        note="Kept as evidence that the request was answered (UU PDP Art. 31, 47); the "
        "subject's NIK, phone and KK number and their indexes are removed when it closes, "
        "and the name too when it was a deletion (`privacy.subject_requests`).",
        fields={
            **not_personal(
                "id",
                "kind",
                "status",
                "unit",
                "received_at",
                "due_at",
                "closed_at",
                "overdue_alerted_at",
            ),
            "subject_user": general("the resident's account, for a request about themselves"),
            "subject_name": general("the name the person gave"),
            "subject_nik": identifier("checked on the KTP by the staff member who recorded it"),
            "subject_nik_index": index_of("subject_nik", "nik"),
            "subject_phone": identifier(),
            "subject_phone_index": index_of("subject_phone", "phone"),
            "subject_kk": identifier(),
            "subject_kk_index": index_of("subject_kk", "kk"),
            "details": general("what the person asks, in their words (e.g. the correct spelling)"),
            "recorded_by": STAFF_LINK,
            "handled_by": STAFF_LINK,
            "resolution": general("the handler's note or reason for refusal; no identifiers"),
        },
    ),
    # -- engagements --------------------------------------------------------------
    **{
        f"engagements.{name}": ModelUse(
            purpose="reference",
            retention="reference",
            fields=not_personal("id", "code", "name_id", "name_en", "is_active", "position")
            | extra,
        )
        for name, extra in (
            ("DialogueType", not_personal("is_public_by_default")),
            ("OutreachTopic", {}),
            ("InspectionItem", {}),
        )
    },
    "engagements.Dialogue": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={
            **not_personal(
                "id",
                "type",
                "title",
                "area",
                "unit",
                "venue_name",
                "latitude",
                "longitude",
                "planned_start",
                "planned_end",
                "actual_start",
                "actual_end",
                "status",
                "cancel_reason",
                "is_public",
                "residents_count",
                "leaders_count",
                "created_at",
                "updated_at",
                note="a public event: venue and times are not about a person",
            ),
            "children_count": none("a head count of children present, not about a child"),
            "host": STAFF_LINK,
            "created_by": STAFF_LINK,
            "minutes": general("may name residents and what they said"),
        },
    ),
    "engagements.DialogueOfficial": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={
            **not_personal("id", "dialogue", "position", "institution", "position_order"),
            "name": general("an official acting in public office (press releases name them)"),
        },
    ),
    "engagements.Attendee": ModelUse(
        purpose="engagements",
        retention="attendee_list",
        fields={
            **not_personal("id", "dialogue", "consent", "source", "created_at"),
            "name": general("listed only with consent"),
            "group": specific("`child` marks a child's entry (UU PDP Art. 4(2)(e), 25)"),
            "phone": identifier(),
            "phone_index": index_of("phone", "phone"),
            "device_digest": none("hash of a random per-browser value; links two scans"),
        },
    ),
    "engagements.CheckInCode": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={
            **not_personal("id", "dialogue", "expires_at", "created_at"),
            "digest": TOKEN_DIGEST,
            "created_by": STAFF_LINK,
        },
    ),
    "engagements.TopicDelivered": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={**not_personal("id", "dialogue", "topic"), "notes": general("free text")},
    ),
    "engagements.SpotAnswer": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={
            **not_personal("id", "dialogue", "created_at"),
            "question": general("a resident's question; may name people"),
            "answer": general(),
            "answered_by": general("the official who answered"),
        },
    ),
    "engagements.DialoguePhoto": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={
            **not_personal("id", "dialogue", "width", "height", "created_at"),
            "image": specific(
                "may show residents' and children's faces (EXIF removed, SECURITY.md 13)"
            ),
            "caption": general(),
            "uploaded_by": STAFF_LINK,
        },
    ),
    "engagements.Inspection": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={
            **not_personal("id", "dialogue", "inspected_at", "created_at"),
            "inspector": STAFF_LINK,
            "notes": general("free text about a place; may name residents"),
        },
    ),
    "engagements.InspectionFinding": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={
            **not_personal("id", "inspection", "item", "result"),
            "note": general("free text"),
            "photo": general("a photo of a place; may show people"),
        },
    ),
    "engagements.FollowUp": ModelUse(
        purpose="engagements",
        retention="dialogue_record",
        fields={
            **not_personal(
                "id",
                "dialogue",
                "finding",
                "title",
                "due_date",
                "status",
                "done_at",
                "created_at",
                "updated_at",
            ),
            "owner": STAFF_LINK,
            "outcome": general("free text"),
        },
    ),
    "engagements.PressReleaseDraft": ModelUse(
        purpose="reports",
        retention="dialogue_record",
        fields={
            **not_personal("id", "dialogue", "title", "approved_at", "created_at", "updated_at"),
            "body": general("names officials as the dialogue record does; no residents"),
            "edited_by": STAFF_LINK,
            "approved_by": STAFF_LINK,
        },
    ),
    # -- notifications ------------------------------------------------------------
    "notifications.OutboxMessage": ModelUse(
        purpose="notifications",
        retention="outbox_message",
        fields={
            **not_personal(
                "id",
                "channel",
                "topic",
                "status",
                "attempts",
                "next_attempt_at",
                "claimed_until",
                "claim_token",
                "created_at",
                "sent_at",
            ),
            "recipient": identifier("a phone number or an email address"),
            "subject": general("an email's subject; no identifiers by construction"),
            "body": general("may name the reporter and quote the case"),
            "dedupe_key": general(
                "`aspiration:<id>:<event>:…`; some keys end in the first 16 hex digits "
                "of an unkeyed SHA-256 of the recipient address (aspirations.services)"
            ),
            "last_error": general("a channel's error; may quote the address"),
        },
    ),
    "notifications.PeriodicJobRun": ModelUse(
        purpose="reliability",
        retention="reference",
        fields=not_personal("id", "job", "slot_start", "started_at", "finished_at", "error"),
    ),
    # -- aspirations --------------------------------------------------------------
    "aspirations.Aspiration": ModelUse(
        purpose="aspirations",
        retention="case_content",
        note="Anonymous cases keep no identity; their content expires under "
        "`anonymous_case_content`.",
        fields={
            **not_personal(
                "id",
                "number",
                "category",
                "urgency",
                "responsible",
                "suggested_category",
                "suggested_urgency",
                "suggested_responsible",
                "triage_confidence",
                "triage_confirmed_at",
                "area",
                "privacy",
                "source",
                "dialogue",
                "language",
                "status",
                "unit",
                "assigned_unit",
                "duplicate_of",
                "received_at",
                "updated_at",
                "verified_at",
                "referred_at",
                "first_notice_at",
                "resolved_at",
                "closed_at",
                "verify_by",
                "first_notice_by",
                "partner_answer_by",
                "resolve_by",
                "escalated_at",
                "reopened_count",
                note="kept for statistics after the case's content expired",
            ),
            "text": specific("free text about incidents: often criminal matters, children, health"),
            "latitude": general(
                "where the problem is, not the reporter's address; coarsened on every "
                "public surface (SECURITY.md 15)"
            ),
            "longitude": general("as `latitude`"),
            "spot_answer": general(),
            "reporter": general("the reporter's account", retention="aspiration_contact"),
            "reporter_name": general(retention="aspiration_contact"),
            "reporter_phone": identifier(retention="aspiration_contact"),
            "reporter_phone_index": index_of("reporter_phone", "phone"),
            "reporter_email": identifier(retention="aspiration_contact"),
            "notify_by": general("the reporter's chosen channel", retention="aspiration_contact"),
            "receipt_digest": TOKEN_DIGEST,
            "assignee": STAFF_LINK,
            "search_terms": specific("stemmed words of `text`"),
        },
    ),
    "aspirations.AspirationUpdate": ModelUse(
        purpose="aspirations",
        retention="case_content",
        fields={
            **not_personal(
                "id",
                "aspiration",
                "kind",
                "author_kind",
                "author_unit",
                "from_status",
                "to_status",
                "unit",
                "is_public",
                "created_at",
            ),
            "author": STAFF_LINK,
            "text": specific("notes and messages about the case, as `Aspiration.text`"),
        },
    ),
    "aspirations.AspirationPhoto": ModelUse(
        purpose="aspirations",
        retention="case_content",
        fields={
            **not_personal("id", "aspiration", "width", "height"),
            "image": specific("evidence photos; may show people (EXIF removed)"),
        },
    ),
    "aspirations.TriageCorrection": ModelUse(
        purpose="aspirations",
        retention="case_content",
        fields={
            **not_personal(
                "id",
                "aspiration",
                "suggested_category",
                "suggested_urgency",
                "category",
                "urgency",
                "created_at",
            ),
            "text": specific("a copy of the case text, kept as triage training data"),
            "corrected_by": STAFF_LINK,
        },
    ),
    "aspirations.RoutingRule": ModelUse(
        purpose="reference",
        retention="reference",
        fields=not_personal(
            "id",
            "jurisdiction",
            "category",
            "responsible",
            "area",
            "target",
            "note",
            "created_at",
        ),
    ),
    "aspirations.ResponseTemplate": ModelUse(
        purpose="reference",
        retention="reference",
        fields=not_personal("id", "unit", "title", "text", "status", "is_active"),
    ),
    "aspirations.SlaSetting": ModelUse(
        purpose="reference",
        retention="reference",
        fields=not_personal("id", "unit", "policy", "extra_holidays", "removed_holidays"),
    ),
    "aspirations.Survey": ModelUse(
        purpose="aspirations",
        retention="case_content",
        fields={
            **not_personal(
                "id",
                "aspiration",
                "round",
                "due_at",
                "sent_at",
                "answered_at",
                "fixed",
                "satisfaction",
                "safety",
                note="scores are kept for statistics",
            ),
            "comment": general("the reporter's free text"),
        },
    ),
    # -- open311 ------------------------------------------------------------------
    "open311.ApiKey": ModelUse(
        purpose="reference",
        retention="reference",
        fields={
            **not_personal("id", "name", "unit", "prefix", "is_active", "created_at"),
            "digest": TOKEN_DIGEST,
        },
    ),
    "open311.Submission": ModelUse(
        purpose="aspirations",
        retention="aspiration_contact",
        fields={
            **not_personal("id", "aspiration", "api_key"),
            "address_id": none("an area code: public reference data"),
            "address_string": identifier("an address as the client wrote it"),
            "device_id": identifier("a client device id"),
            "account_id": identifier("the reporter's account id at the client"),
            "media_url": general("a link to the reporter's photo"),
            "attributes": general("answers to the service's questions"),
        },
    ),
    # -- certificates -------------------------------------------------------------
    "certificates.CertificateSettings": ModelUse(
        purpose="reference",
        retention="reference",
        fields=not_personal(
            "id",
            "unit",
            "number_format",
            "unit_code",
            "validity_days",
            "letterhead",
            "place",
            "signer_title",
        ),
    ),
    "certificates.LossReport": ModelUse(
        purpose="loss_reports",
        retention="loss_report_identity",
        note="Drafts never finished are deleted under `loss_report_draft`.",
        fields={
            **not_personal(
                "id",
                "reference",
                "status",
                "source",
                "unit",
                "dialogue",
                "aspiration",
                "lost_on",
                "lost_time",
                "lost_area",
                "reporter_consents_contact",
                "officer_consents_contact",
                "language",
                "created_at",
                "updated_at",
                "submitted_at",
            ),
            "receipt_digest": TOKEN_DIGEST,
            "reporter": general("the resident's account"),
            "created_by": STAFF_LINK,
            "handling_officer": STAFF_LINK,
            "name": general(),
            "nik": identifier(),
            "nik_index": index_of("nik", "nik"),
            "birth_place": general(),
            "birth_date": general(),
            "sex": general(),
            "religion": specific("religion (UU PDP Art. 4(2)), asked as on the KTP"),
            "citizenship": general(),
            "occupation": general(),
            "address": identifier(),
            "phone": identifier(),
            "phone_index": index_of("phone", "phone"),
            "area": general("area of residence down to RT"),
            "lost_place": general("free text; may be the reporter's street"),
            "circumstances": general("free text"),
        },
    ),
    "certificates.LostItem": ModelUse(
        purpose="loss_reports",
        retention="loss_report_identity",
        fields={
            **not_personal("id", "report", "position", "item_type"),
            "details_json": identifier(
                "the lost document's numbers: NIK, KK, SIM, account and card numbers"
            ),
        },
    ),
    "certificates.Certificate": ModelUse(
        purpose="loss_reports",
        retention="certificate_register",
        fields={
            **not_personal(
                "id",
                "report",
                "unit",
                "number",
                "year",
                "sequence",
                "issued_at",
                "valid_from",
                "valid_until",
                "identity_checked",
                "kid",
                "revoked_at",
                "revocation_reason",
            ),
            "issued_by": STAFF_LINK,
            "revoked_by": STAFF_LINK,
            "officer_name": general("the issuing officer, as printed"),
            "officer_rank": general("as printed"),
            "officer_nrp": general("the officer's service number, as printed (see User.nrp)"),
            "qr_text": general("signed payload: the holder's masked name, no NIK (§6)"),
        },
    ),
    "certificates.CertificateCounter": ModelUse(
        purpose="reference",
        retention="reference",
        fields=not_personal("id", "unit", "year", "last"),
    ),
    # -- aid ----------------------------------------------------------------------
    "aid.AidProgram": ModelUse(
        purpose="aid",
        retention="reference",
        fields=not_personal(
            "id",
            "name",
            "sponsor",
            "unit",
            "starts_on",
            "ends_on",
            "packages_per_household",
            "min_days_between",
            "max_per_day_per_location",
            "created_at",
        ),
    ),
    "aid.AidItem": ModelUse(
        purpose="aid",
        retention="reference",
        fields=not_personal(
            "id", "program", "name", "contents", "measure", "per_household", "per_child"
        ),
    ),
    "aid.AidLocation": ModelUse(
        purpose="aid",
        retention="reference",
        fields=not_personal("id", "program", "name", "dialogue"),
    ),
    "aid.StockEntry": ModelUse(
        purpose="aid",
        retention="reference",
        fields={
            **not_personal(
                "id",
                "program",
                "item",
                "location",
                "kind",
                "quantity",
                "delta",
                "reason",
                "handout",
                "transfer",
                "created_at",
            ),
            "recorded_by": STAFF_LINK,
        },
    ),
    "aid.Household": ModelUse(
        purpose="aid",
        retention="household",
        fields={
            **not_personal("id", "created_at", "updated_at"),
            "kk_number": identifier(),
            "kk_index": index_of("kk_number", "kk"),
            "head_name": general(),
            "address": identifier(),
            "area": general("RT/RW of residence"),
            "members": general("household size"),
            "children": specific("number of children in the family (children's data)"),
            "vulnerability": specific("poverty, disability, illness, widowhood notes"),
            "card_code": identifier("random code printed on the household's aid card"),
            "card_index": index_of("card_code", "card"),
        },
    ),
    "aid.Handout": ModelUse(
        purpose="aid",
        retention="household",
        fields={
            **not_personal(
                "id", "program", "household", "round", "location", "dialogue", "local_day"
            ),
            "handed_at": general(),
            "officer": STAFF_LINK,
            "recipient_name": general(),
            "children_present": specific("children of the household who were present"),
        },
    ),
    "aid.HandoutConfirmation": ModelUse(
        purpose="aid",
        retention="household",
        fields={
            **not_personal("id", "handout", "kind", "width", "height", "created_at"),
            "image": specific("a signature or a photo that may show the recipient's face"),
        },
    ),
    "aid.HouseholdImport": ModelUse(
        purpose="aid",
        retention="household_import",
        fields={
            **not_personal(
                "id",
                "unit",
                "kelurahan",
                "extension",
                "sha256",
                "size",
                "language",
                "skip_invalid",
                "status",
                "rows_total",
                "rows_done",
                "failure",
                "created_at",
                "updated_at",
            ),
            "uploaded_by": STAFF_LINK,
            "content": identifier("the uploaded file: KK numbers, names, addresses"),
            "preview": general("row errors; a message may quote a cell"),
            "report": general("row errors; a message may quote a cell"),
        },
    ),
    # -- safety -------------------------------------------------------------------
    "safety.SafetyWeights": ModelUse(
        purpose="reference",
        retention="reference",
        fields=not_personal(
            "id",
            "unit",
            "recent",
            "repeat",
            "unresolved",
            "overdue",
            "inspection",
            "aid",
            "gap",
            "half_life_days",
            "updated_at",
        ),
    ),
    # -- surveys ------------------------------------------------------------------
    "surveys.SurveyQuestion": ModelUse(
        purpose="reference",
        retention="reference",
        fields=not_personal(
            "id",
            "code",
            "text_id",
            "text_en",
            "kind",
            "low_id",
            "low_en",
            "high_id",
            "high_en",
            "is_active",
            "position",
        ),
    ),
    "surveys.SurveyResponse": ModelUse(
        purpose="surveys",
        retention="survey_comment",
        fields={
            **not_personal("id", "dialogue", "answered_on", "scores"),
            "voter_digest": none(
                "keyed HMAC of a random per-browser value (one answer per browser); "
                "not derived from any identifier"
            ),
            "comment": general("free text; may name people"),
        },
    ),
    # -- reports ------------------------------------------------------------------
    "reports.Report": ModelUse(
        purpose="reports",
        retention="dialogue_record",
        fields={
            **not_personal(
                "id",
                "kind",
                "dialogue",
                "unit",
                "month",
                "status",
                "failure",
                "language",
                "size",
                "created_at",
                "started_at",
                "finished_at",
                "attempts",
            ),
            "requested_by": STAFF_LINK,
            "file": general("a PDF naming officials and officers, as the dialogue record"),
        },
    ),
    # -- dashboards ---------------------------------------------------------------
    "dashboards.CaseDayCount": ModelUse(
        purpose="reports",
        retention="reference",
        note="Derived counts per day and area; rebuilt from the cases at any time.",
        fields={
            **not_personal("id", "day", "area", "fine", "received", "not_fixed"),
            "category_*": none("one count column per §5 category"),
            "urgency_*": none("one count column per §5 urgency"),
            "status_*": none("one count column per case status"),
        },
    ),
    "dashboards.RollupState": ModelUse(
        purpose="reports",
        retention="reference",
        fields=not_personal(
            "id",
            "name",
            "through",
            "case_mark",
            "update_mark",
            "next_case_mark",
            "next_update_mark",
            "live_days",
            "refreshed_at",
        ),
    ),
}


@dataclass(frozen=True)
class Declared:
    """One field's declaration as it applies, with the model's defaults resolved."""

    model: str
    field: str
    use: FieldUse
    purpose: str
    retention: str


def declaration(model_label: str, field_name: str) -> Declared | None:
    """The declaration of ``model_label.field_name``, or ``None`` when there is none.

    A name ending in ``*`` declares every field starting with what precedes it (only
    for columns generated from a list of codes, such as the dashboards' counts).
    """
    model = INVENTORY.get(model_label)
    if model is None:
        return None
    use = model.fields.get(field_name)
    if use is None:
        for pattern, candidate in model.fields.items():
            if pattern.endswith("*") and field_name.startswith(pattern[:-1]):
                use = candidate
                break
    if use is None:
        return None
    return Declared(
        model=model_label,
        field=field_name,
        use=use,
        purpose=model.purpose,
        retention=use.retention or model.retention,
    )
