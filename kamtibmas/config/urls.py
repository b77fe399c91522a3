from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("kamtibmas.web.urls")),
    path("accounts/", include("kamtibmas.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("kamtibmas.api.urls")),
    path("admin/", admin.site.urls),
]
