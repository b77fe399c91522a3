"""The REST API, version 1 (§6): one ``NinjaAPI`` with each app's router mounted.

OpenAPI document at ``/api/v1/openapi.json``, interactive documentation at
``/api/v1/docs`` (Swagger UI from our own static files: the CSP allows only 'self').
"""

from __future__ import annotations

from ninja import NinjaAPI

from kamtibmas.api import errors
from kamtibmas.api.auth import StaffToken
from kamtibmas.api.docs import docs
from kamtibmas.api.parsing import StrictJsonParser

DESCRIPTION = """\
The REST API of Kamtibmas: staff work, residents' submissions, loss-report certificates,
aid distribution, public triage, tracking and certificate verification.

**Authentication.** Staff endpoints need a personal API token of an active staff member:
`Authorization: Bearer kmt_…`. Without a valid token the answer is 401; residents'
tokens get 403, except where an operation says residents may call it (submitting an
aspiration, starting a loss report and reading their own). You see the records of your
unit and the units below it (a partner agency: what was referred to it); anything else
answers 404, as if it did not exist. The public operations (`/triage`, `/track/{code}`,
`/loss-reports/item-types`, `/certificates/verify`) need no token and are rate-limited:
429 when a client or everyone together sends too many.

**Errors** always have the shape `{"detail", "code", "errors": [{"field", "location",
"message", "code"}]}`: 400 for a body that is not JSON, 401, 403, 404, 409 when a
concurrent change won (retry), 422 for input that does not fit the schema (`code`
`invalid`, one entry per field) or that a rule refuses (the rule's own `code`, e.g.
`planned_in_past`), 429 when rate-limited. Unknown fields are refused. Nothing is changed
by a refused request.

**Retries.** Writes that list the `Idempotency-Key` header accept it (a UUID per
intended change). A retry with the same key and body gets the first answer again, with
the header `Idempotent-Replayed: true`, and changes nothing; the same key with a
different body is 422 `idempotency_key_reused`; a retry while the first request still
runs is 409 `idempotency_in_flight`. Keys are kept at least 7 days, per user of the API
token.

**Language.** Messages and catalogue names follow `Accept-Language` (`id` or `en`);
the default is Indonesian.

**Times** are ISO 8601 with an offset. Send them in any offset; they are stored in
UTC. Dialogues answer them in the offset of the dialogue's area (`+07:00` WIB, `+08:00`
WITA, `+09:00` WIT); aspirations answer them in UTC (`+00:00`). Dates (`YYYY-MM-DD`)
are calendar days.

**Lists** are paged newest first: pass the `next_cursor` of one page as `cursor` for
the next; `limit` is at most 100.
"""

api = NinjaAPI(
    title="Kamtibmas API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=StaffToken(),
    parser=StrictJsonParser(),
    docs=docs,
)
errors.install(api)
api.add_router("/areas", "kamtibmas.areas.api.router")
api.add_router("/engagements", "kamtibmas.engagements.api.router")
api.add_router("/aspirations", "kamtibmas.aspirations.api.router")
api.add_router("/triage", "kamtibmas.aspirations.api.triage_router")
api.add_router("/track", "kamtibmas.aspirations.api.track_router")
api.add_router("/loss-reports", "kamtibmas.certificates.api.router")
api.add_router("/certificates", "kamtibmas.certificates.api.certificate_router")
api.add_router("/aid", "kamtibmas.aid.api.router")
