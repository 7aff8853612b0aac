from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported when the apps are ready: these modules import models, which Django loads after the AppConfigs.
        from allauth.account.signals import password_reset

        from accounts import checks  # noqa: F401 - registers the system checks
        from accounts.services import email_verify_after_password_reset

        def _verified(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
            email_verify_after_password_reset(user=user)

        password_reset.connect(_verified, weak=False, dispatch_uid="accounts.email_verify_after_password_reset")
