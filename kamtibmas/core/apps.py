from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kamtibmas.core"
    label = "core"

    def ready(self) -> None:
        from kamtibmas.core import checks  # noqa: F401  (registers the system checks)
        from kamtibmas.core.reference import connect_request_end

        connect_request_end()
