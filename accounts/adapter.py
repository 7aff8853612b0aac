"""How allauth reads and writes our accounts: no open sign-up, mobile numbers on `User.phone` (one account per
number, accounts.phones), login codes by SMS through our transport, and our own words for its errors."""

from __future__ import annotations

import logging
from typing import Any

from allauth.account import app_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.mfa.adapter import DefaultMFAAdapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts import mfa_secrets
from accounts.forms import MobileNumberField
from accounts.models import User
from accounts.phones import normalise_phone
from accounts.services import user_phone_verified
from core.sms import sms_transport

logger = logging.getLogger(__name__)


def login_code_minutes() -> int:
    """How long a login code works, in whole minutes, for the texts that say so."""
    timeout: int = app_settings.LOGIN_BY_CODE_TIMEOUT
    return max(1, timeout // 60)


class DichtbijAccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "incorrect_code": _("This code is not right. Look at it again and type it once more."),
        "too_many_login_attempts": _("Too many tries. Wait a few minutes, then try again."),
    }

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
        allowed: bool = super().can_delete_email(email_address)
        return allowed

    def get_login_stages(self) -> list[str]:
        # A login by a code sent to a phone, or to an account without any email address, is not held up by
        # the check of the email address (see accounts.stages).
        return [
            "accounts.stages.EmailVerificationUnlessPhoneStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # Someone asked for a login code for an address without an account: allauth would email that address "there
        # is no account". We send nothing at all, as for an unknown number: the page gives the same answer either
        # way, and the form cannot be used to send mail to strangers.
        request = context.get("request")
        match = getattr(request, "resolver_match", None)
        if template_prefix == "account/email/unknown_account" and getattr(match, "url_name", None) == (
            "account_request_login_code"
        ):
            return
        if template_prefix == "account/email/login_code":
            context = {**context, "code_minutes": login_code_minutes()}
        super().send_mail(template_prefix, email, context)

    # --- Mobile numbers (allauth's phone hooks, on User.phone) --------------------------------------------------

    def phone_form_field(self, **kwargs: Any) -> Any:
        return MobileNumberField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return normalise_phone(phone)

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        assert isinstance(user, User)
        return (user.phone, user.phone_verified) if user.phone else None

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        assert isinstance(user, User)
        user.phone, user.phone_verified = normalise_phone(phone), verified
        user.save(update_fields=["phone", "phone_verified"])

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        """Called by allauth when someone typed the code sent to `phone` (a login by code proves the number)."""
        assert isinstance(user, User)
        user_phone_verified(user=user, phone=phone)

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        """The active account with this number, verified or not.

        A number on an account was written down by the person or by the professional who invited them, as the
        email address a welcome link goes to; a code sent to it proves it (and marks it verified). An inactive
        account gets no code, as with allauth's lookup by email.
        """
        try:
            phone = normalise_phone(phone)
        except ValidationError:
            return None
        if not phone:
            return None
        return User.objects.filter(phone=phone, is_active=True).first()

    def send_verification_code_sms(self, user: AbstractBaseUser, phone: str, code: str, **kwargs: Any) -> None:
        """The login code by SMS: the code and nothing about the person. A provider that fails is logged by user id;
        the page still says the same as for a number without an account (no enumeration)."""
        body = gettext("Your login code for Dichtbij is %(code)s. Do not give this code to anyone.") % {"code": code}
        try:
            sms_transport().send(to=phone, body=body)
        except Exception:
            logger.exception("Login code SMS to user %s could not be sent", user.pk)

    def send_unknown_account_sms(self, phone: str, **kwargs: Any) -> None:
        # Nothing: an SMS to a number without an account would cost money and bother a stranger.
        return None

    def send_account_already_exists_sms(self, phone: str) -> None:
        # Nothing: there is no sign-up by phone.
        return None


class DichtbijMFAAdapter(DefaultMFAAdapter):
    """Second-factor secrets are stored encrypted (accounts.mfa_secrets): allauth passes every TOTP secret and
    recovery-code seed through these two hooks on its way into and out of the database."""

    def encrypt(self, text: str) -> str:
        return mfa_secrets.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return mfa_secrets.decrypt(encrypted_text)
