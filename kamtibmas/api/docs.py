"""The interactive documentation page, served from our own static files.

Ninja's own template works too, but keeps Swagger UI's settings in a
``<script type="application/json">`` block and has no ``lang`` or viewport; this one
passes them in a data attribute read by ``api/docs.js``, so the page has no inline
script at all and the site's CSP ('self' only) applies unchanged. Nothing is loaded
from a CDN; ``validatorUrl: null`` stops Swagger UI fetching a badge from
validator.swagger.io.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import Swagger

if TYPE_CHECKING:
    from ninja import NinjaAPI


class LocalSwagger(Swagger):
    template = "api/docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {"swagger_settings": json.dumps(settings), "api": api}
        return render(request, self.template, context)


docs = LocalSwagger(settings={"validatorUrl": None, "deepLinking": True, "layout": "BaseLayout"})
