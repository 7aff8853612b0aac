"""Builders for accounts and logging in: the second factor's current code, and asking for and reading a login code.

Moved here from test modules so that no test imports another (issue #24); behaviour unchanged."""

from __future__ import annotations

import re
import time
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.test import Client


def current_totp(secret: str) -> str:
    """The code an authenticator app shows now (the middle of the counters allauth accepts)."""
    # Not in the last seconds of a period, so the code is still current when the server checks it.
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 2:
        time.sleep(2)
    counters = list(yield_hotp_counters_from_time())
    code: str = format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))
    return code


REQUEST_CODE = "/accounts/login/code/"


CONFIRM_CODE = "/accounts/login/code/confirm/"


CODE = re.compile(r"\b(\d{6})\b")


def ask_code(client: Client, contact: str) -> Any:
    return client.post(REQUEST_CODE, {"contact": contact})


def code_in(text: str) -> str:
    found = CODE.search(text)
    assert found, text
    return found.group(1)


def logged_in_user_id(client: Client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None
