from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kamtibmas.core"
    label = "core"

    def ready(self) -> None:
        from kamtibmas.core import checks  # noqa: F401  (registers the system checks)
