"""Telling people that something changed for them: by email or by SMS, as each person chose (accounts' User,
`contact_preference`). Someone without an email address (an account reachable by phone only) gets an SMS whatever
the preference says; someone with neither address nor number is skipped, and the log says so by user id.

A notice is one short sentence and a link, never the details: an email or SMS can be read by others, so names of
children, reasons and notes stay inside Dichtbij, behind the login.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from core.sms import sms_transport

logger = logging.getLogger(__name__)

# The values of accounts.models.User.Contact: core imports no app of ours (tests/test_login_by_code.py checks that
# they agree).
EMAIL = "email"
SMS = "sms"


class Recipient(Protocol):
    """What a notice needs of a person: accounts.models.User has all of it."""

    @property
    def pk(self) -> Any: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def email(self) -> str | None: ...

    @property
    def phone(self) -> str: ...

    @property
    def contact_preference(self) -> str: ...


def notify(users: Iterable[Recipient], *, notice: Promise, path: str) -> None:
    """Send `notice` (a lazy translatable sentence without personal details) with a link to `path` to every active
    user in `users` (each once), after the current transaction commits, so nobody hears of a change that was
    rolled back. A failure to reach one person is logged (without address or text) and does not stop the others.
    """
    recipients = {user.pk: user for user in users if user.is_active}
    if not recipients:
        return
    transaction.on_commit(lambda: _send(list(recipients.values()), notice, path))


def _send(users: list[Recipient], notice: Promise, path: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = str(notice)
        body = _("%(notice)s See it in Dichtbij: %(url)s") % {"notice": text, "url": f"{settings.SITE_URL}{path}"}
        for user in users:
            channel = contact_channel(user)
            if channel is None:
                logger.warning("Notice to user %s skipped: no email address and no mobile number", user.pk)
                continue
            try:
                if channel == SMS:
                    sms_transport().send(to=user.phone, body=body)
                elif user.email:
                    send_mail(subject=text, message=body, from_email=None, recipient_list=[user.email])
            except Exception:
                # Reaching one person must not stop the rest; the log names the user id, not the address.
                logger.exception("Notice to user %s could not be sent", user.pk)


def contact_channel(user: Recipient) -> str | None:
    """How to reach this person: their choice when it can be used, else whatever address they have, else None."""
    if user.phone and (user.contact_preference == SMS or not user.email):
        return SMS
    if user.email:
        return EMAIL
    return None
