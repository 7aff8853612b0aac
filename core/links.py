"""Single-use links sent by SMS or email (an invitation to be a mentor, a young person's own account): the token,
what is stored of it, whether a stored link can still be used, and sending it.

Only a hash of the token is stored, so the database alone opens nothing. Each feature keeps its own table of links
(what a link is for differs); the rules that every such link shares live here once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise

from core.sms import sms_transport

logger = logging.getLogger(__name__)

# A token is 43 characters (32 random bytes, URL-safe base64); anything much longer is no token of ours.
MAX_TOKEN_LENGTH = 100


def token_new() -> tuple[str, str]:
    """A new token for a link and what is stored of it: (token, hash)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """What is stored of a link's token: its SHA-256. The token has 256 random bits, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_plausible(token: str) -> bool:
    """Whether a token from an address could be one of ours at all (so a very long one costs no hashing)."""
    return 0 < len(token) <= MAX_TOKEN_LENGTH


def link_status(
    *, used_at: datetime | None, revoked_at: datetime | None, expires_at: datetime, now: datetime | None = None
) -> str:
    """Whether a stored link still works: "used" (once only), "replaced" (a newer link was sent), "expired", or
    "valid". In this order: a used link says so even after it would have expired."""
    if used_at is not None:
        return "used"
    if revoked_at is not None:
        return "replaced"
    if expires_at <= (now or timezone.now()):
        return "expired"
    return "valid"


def link_send(
    *,
    phone: str,
    email: str,
    sms_text: Promise,
    subject: Promise,
    email_template: str,
    context: dict[str, object],
) -> None:
    """Send a link by SMS (`sms_text`, with `%(url)s` for the link) and/or by email (`email_template` rendered with
    `context`), in the site's language, to whichever of `phone` and `email` is given. Call it after commit. A
    failure is logged without the number, the address or the link (both are personal, the link opens something)
    and does not stop the other channel: the sender sees the invitation and can send a new one."""
    with translation.override(settings.LANGUAGE_CODE):
        if phone:
            try:
                sms_transport().send(to=phone, body=str(sms_text) % {"url": context["url"]})
            except Exception:
                logger.exception("Link SMS could not be sent")
        if email:
            try:
                send_mail(
                    subject=str(subject),
                    message=render_to_string(email_template, context),
                    from_email=None,
                    recipient_list=[email],
                )
            except Exception:
                logger.exception("Link email could not be sent")
