from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kamtibmas.core"
    label = "core"
