"""``{% page_csrf_token %}``: ``{% csrf_token %}`` for forms on pages that
``kamtibmas.web.pagecache`` keeps (the language switch on every page)."""

from __future__ import annotations

from django import template
from django.template.defaulttags import CsrfTokenNode

from kamtibmas.web import pagecache

register = template.Library()


@register.simple_tag(takes_context=True)
def page_csrf_token(context: template.Context) -> str:
    """A placeholder while the page cache renders the page (each answer then gets the
    visitor's own token), else the token as ``{% csrf_token %}`` writes it."""
    if pagecache.rendering(context.get("request")):
        return pagecache.csrf_placeholder_input()
    return CsrfTokenNode().render(context)
