"""Telling people that something changed for them: by email or by SMS, as each person chose
(`User.contact_preference`). Someone without an email address (an account reachable by phone only) gets an SMS
whatever the preference says; someone with neither address nor number is skipped, and the log says so by user id.

A notice is one short sentence and a link, never the details: an email or SMS can be read by others, so names of
children, reasons and notes stay inside Dichtbij, behind the login.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import User
from core.sms import sms_transport

logger = logging.getLogger(__name__)


def notify(users: Iterable[User], *, notice: Promise, path: str) -> None:
    """Send `notice` (a lazy translatable sentence without personal details) with a link to `path` to every active
    user in `users` (each once), after the current transaction commits, so nobody hears of a change that was
    rolled back. A failure to reach one person is logged (without address or text) and does not stop the others.
    """
    recipients = {user.pk: user for user in users if user.is_active}
    if not recipients:
        return
    transaction.on_commit(lambda: _send(list(recipients.values()), notice, path))


def _send(users: list[User], notice: Promise, path: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        text = str(notice)
        body = _("%(notice)s See it in Dichtbij: %(url)s") % {"notice": text, "url": f"{settings.SITE_URL}{path}"}
        for user in users:
            channel = contact_channel(user)
            if channel is None:
                logger.warning("Notice to user %s skipped: no email address and no mobile number", user.pk)
                continue
            try:
                if channel == User.Contact.SMS:
                    sms_transport().send(to=user.phone, body=body)
                elif user.email:
                    send_mail(subject=text, message=body, from_email=None, recipient_list=[user.email])
            except Exception:
                # Reaching one person must not stop the rest; the log names the user id, not the address.
                logger.exception("Notice to user %s could not be sent", user.pk)


def contact_channel(user: User) -> str | None:
    """How to reach this person: their choice when it can be used, else whatever address they have, else None."""
    if user.phone and (user.contact_preference == User.Contact.SMS or not user.email):
        return User.Contact.SMS
    if user.email:
        return User.Contact.EMAIL
    return None
