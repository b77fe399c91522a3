from django.urls import path

from kamtibmas.web import (
    aid_cards,
    aid_documents,
    aid_handouts,
    aid_import,
    aid_offline,
    aid_public,
    aid_staff,
    aspirations_public,
    aspirations_staff,
    certificates_public,
    certificates_staff,
    dialogues,
    events,
    maps,
    press,
    safety,
    surveys,
    views,
)

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("staff/", views.staff_home, name="staff-home"),
    path("welcome", views.after_login, name="after-login"),
    *events.urlpatterns,
    *dialogues.urlpatterns,
    *aspirations_public.urlpatterns,
    *aspirations_staff.urlpatterns,
    *certificates_public.urlpatterns,
    *certificates_staff.urlpatterns,
    *aid_staff.urlpatterns,
    *aid_import.urlpatterns,
    *aid_documents.urlpatterns,
    *aid_public.urlpatterns,
    *aid_offline.urlpatterns,
    *aid_cards.urlpatterns,
    *aid_handouts.urlpatterns,
    *maps.urlpatterns,
    *safety.urlpatterns,
    *press.urlpatterns,
    *surveys.urlpatterns,
]
