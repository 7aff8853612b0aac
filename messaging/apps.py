from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported when the apps are ready: django.contrib.auth's signals module imports its models.
        from django.contrib.auth.signals import user_logged_out

        user_logged_out.connect(_close_the_sessions_sockets, dispatch_uid="messaging-logout")

        # These modules import models: loaded when the apps are ready.
        from accounts.services import user_deactivated_register
        from messaging.services.membership import conversations_sync_case
        from messaging.services.sockets import user_sockets_close
        from youth.parties import case_parties_changed_register

        # Who reads a case's conversations follows who works on the case (messaging derives it, never a typed list).
        case_parties_changed_register("messaging", lambda case: conversations_sync_case(case=case))
        # A deactivated account's open chat windows close (accounts.services.user_deactivate).
        user_deactivated_register("messaging", lambda user: user_sockets_close(user=user))


def _close_the_sessions_sockets(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    # Every logout goes through Django's logout (allauth's page, the session timeout, a password change): the chat
    # sockets of that session close with it.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if user is not None and session_key:
        # messaging.services imports models: this module is loaded before they are.
        from messaging.services.sockets import session_sockets_close

        session_sockets_close(user_id=user.pk, session_key=session_key)
