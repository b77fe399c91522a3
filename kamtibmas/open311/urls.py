"""``/open311/v2/``: every endpoint ends in ``.json`` or ``.xml``; a missing or other
suffix answers 404 in XML, the specification's required format."""

from django.urls import re_path

from kamtibmas.open311 import views

app_name = "open311"

SUFFIX = r"(?:\.(?P<fmt>[^./]*))?$"

urlpatterns = [
    re_path(r"^discovery" + SUFFIX, views.discovery, name="discovery"),
    re_path(r"^services" + SUFFIX, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^./]+)" + SUFFIX, views.service_definition, name="service"),
    re_path(r"^requests" + SUFFIX, views.service_requests, name="requests"),
    re_path(r"^requests/(?P<request_id>[^./]+)" + SUFFIX, views.service_request, name="request"),
    re_path(r"^tokens/(?P<token>[^./]+)" + SUFFIX, views.token, name="token"),
    re_path(r"^servicerequestupdates" + SUFFIX, views.request_updates, name="updates"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not-found"),
]
