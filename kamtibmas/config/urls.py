from django.conf import settings
from django.contrib import admin
from django.urls import include, path

# The machine interfaces first: Django tries the patterns in order, and the web's
# many pages before them cost every API request a tenth of its time (§9 P3). No web
# page lies under their prefixes.
urlpatterns = [
    path("api/v1/", include("kamtibmas.api.urls")),
    path("open311/v2/", include("kamtibmas.open311.urls")),
    path("", include("kamtibmas.web.urls")),
    path("accounts/", include("kamtibmas.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path(".well-known/kamtibmas/", include("kamtibmas.certificates.urls")),
]

if settings.KAMTIBMAS_BENCH_BASELINES:
    # bench/bench_api.py: §9's baselines, served the way the app is (off by default).
    urlpatterns.append(path("bench/baselines/", include("kamtibmas.core.baselines")))
