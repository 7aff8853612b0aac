"""Sending SMS through one small transport class, chosen by the SMS_TRANSPORT setting.

Texts sent here are notices ("you have a new message") and login codes (accounts.adapter); never the content of a
conversation, never a child's name.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SmsTransport(Protocol):
    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        """Send one SMS; returns the provider's message id. `status_callback`: where the provider reports delivery."""
        ...


class ConsoleTransport:
    """Development: prints the SMS instead of sending it."""

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        print(f"SMS to {to}: {body}", flush=True)  # noqa: T201 - this transport's whole purpose
        return "console"


class TwilioTransport:
    """Production: Twilio's REST API. `http_client` lets tests fake the network, nothing else."""

    def __init__(self, http_client: object | None = None) -> None:
        # Only when Twilio is the SMS transport (twilio's client is slow to import).
        from twilio.rest import Client

        self.client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)

    def send(self, *, to: str, body: str, status_callback: str = "") -> str:
        extra = {"status_callback": status_callback} if status_callback else {}
        message = self.client.messages.create(to=to, from_=settings.TWILIO_FROM_NUMBER, body=body, **extra)
        # The number and body stay out of the log: both are personal.
        logger.info("SMS sent via Twilio, sid=%s", message.sid)
        return str(message.sid)


def sms_transport() -> SmsTransport:
    """The configured transport."""
    transport: SmsTransport = import_string(settings.SMS_TRANSPORT)()
    return transport
