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
The staff API of Kamtibmas.

**Authentication.** Every endpoint needs a personal API token of an active staff
member: `Authorization: Bearer kmt_…`. Without a valid token the answer is 401;
residents' tokens get 403. You see the records of your unit and the units below it;
anything else answers 404, as if it did not exist.

**Errors** always have the shape `{"detail", "code", "errors": [{"field", "location",
"message", "code"}]}`: 400 for a body that is not JSON, 401, 403, 404, 409 when a
concurrent change won (retry), 422 for input that does not fit the schema (`code`
`invalid`, one entry per field) or that a rule refuses (the rule's own `code`, e.g.
`planned_in_past`). Unknown fields are refused. Nothing is changed by a refused request.

**Language.** Messages and catalogue names follow `Accept-Language` (`id` or `en`);
the default is Indonesian.

**Times** are ISO 8601 with an offset. Send them in any offset; they are stored in
UTC and answered in the offset of the dialogue's area (`+07:00` WIB, `+08:00` WITA,
`+09:00` WIT). Dates (`YYYY-MM-DD`) are calendar days.

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
api.add_router("/engagements", "kamtibmas.engagements.api.router")
