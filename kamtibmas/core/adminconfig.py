from django.contrib.admin.apps import AdminConfig


class KamtibmasAdminConfig(AdminConfig):
    """Django's admin with our site class (403 for signed-in users without access)."""

    default_site = "kamtibmas.core.admin.KamtibmasAdminSite"
