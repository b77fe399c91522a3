from django.urls import path

from kamtibmas.certificates.views import keys_json

urlpatterns = [
    path("keys.json", keys_json, name="certificate-keys"),
]
