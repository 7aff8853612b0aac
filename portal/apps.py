from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The pages that gather from every feature: the home page per role with its "to do" list, and the menu.
    The top layer (DESIGN.md, Layout): it may ask every app; no app asks it. It has no models."""

    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"
