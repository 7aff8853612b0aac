"""System checks for account security settings (run by `manage.py check` and at startup)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from accounts import mfa_secrets


@checks.register(checks.Tags.security)
def mfa_encryption_keys_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Second-factor secrets cannot be stored or read without valid keys: say so before the first login fails."""
    if not [key for key in settings.MFA_ENCRYPTION_KEYS if key.strip()]:
        return [
            checks.Error(
                "MFA_ENCRYPTION_KEYS is empty.",
                hint="Set at least one Fernet key (README, configuration).",
                id="accounts.E001",
            )
        ]
    try:
        mfa_secrets.encrypt("check")
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint='Make a key with: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="accounts.E002",
            )
        ]
    return []
