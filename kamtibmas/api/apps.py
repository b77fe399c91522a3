from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kamtibmas.api"
    label = "api"
