from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest

from accounts import mfa_secrets


class DichtbijAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Accounts are made by invitation (a professional adds a young person's parent, a JIM accepts a
        # nomination), so nobody can create an account that is tied to no one.
        return False

    def can_delete_email(self, email_address: EmailAddress) -> bool:
        # allauth lets the last address go when phone is a login method too, and then writes "" into User.email,
        # which the database refuses (a missing address is NULL). Someone who no longer wants email keeps at least
        # one address until a professional changes the account.
        if (
            email_address.pk
            and not EmailAddress.objects.filter(user_id=email_address.user_id).exclude(pk=email_address.pk).exists()
        ):
            return False
        return super().can_delete_email(email_address)


class DichtbijMFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are stored encrypted (accounts.mfa_secrets): allauth passes every TOTP secret and
    recovery-code seed through these two hooks on its way into and out of the database."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt(encrypted_text)
