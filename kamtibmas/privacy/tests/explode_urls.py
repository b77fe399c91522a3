"""A URLconf with one view that fails, for the log-redaction test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("gagal untuk 0812-3456-7890 (100% yakin)")


urlpatterns = [path("explode-for-test", explode)]
