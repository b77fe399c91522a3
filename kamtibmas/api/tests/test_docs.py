"""The interactive documentation at /api/v1/docs works under the site's CSP."""

from __future__ import annotations

import re

import pytest
from django.test import Client

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL)


@pytest.mark.django_db
def test_docs_page_loads_swagger_ui_from_our_static_files_without_inline_script():
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    scripts = SCRIPT.findall(html)
    assert [attributes for attributes, _body in scripts] == [
        ' src="/static/ninja/swagger-ui-bundle.js"',
        ' src="/static/api/docs.js"',
    ]
    assert all(not body.strip() for _attributes, body in scripts)
    assert "/static/ninja/swagger-ui.css" in html
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


@pytest.mark.browser
def test_docs_page_renders_every_operation_in_chromium_without_csp_violations(
    chromium, live_server
):
    from playwright.sync_api import expect

    context = chromium.new_context(base_url=live_server.url)
    outside: list[str] = []

    def refuse(route):
        outside.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(live_server.url), refuse)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

    page.goto("/api/v1/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kamtibmas API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert page.locator(".opblock").count() >= 20
    assert outside == []
    assert not [line for line in console if "Content Security Policy" in line or "error" in line]
    context.close()
