"""Re-encrypt all second-factor secrets with the newest key in MFA_ENCRYPTION_KEYS (README, key rotation)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import mfa_secrets_reencrypt


class Command(BaseCommand):
    help = "Encrypt every stored TOTP secret and recovery-code seed with the first (newest) MFA_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        changed = mfa_secrets_reencrypt()
        self.stdout.write(f"Re-encrypted the secrets of {changed} authenticators with the newest key.")
