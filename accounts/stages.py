"""Our step in allauth's login stages (DichtbijAccountAdapter.get_login_stages)."""

from __future__ import annotations

from typing import Any

from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.stages import EmailVerificationStage


class EmailVerificationUnlessPhoneStage(EmailVerificationStage):
    """allauth's mandatory email verification, except for a login that never went through an email address.

    Mandatory verification makes sure that the address someone logs in with is theirs. Someone who just typed the
    code sent to their mobile number proved that number instead; and an account without any email address (a young
    person invited by SMS) has nothing to verify. Without this step allauth would send them to "check your email"
    and they could never log in. A login by password or by an emailed code goes through the check as before.
    """

    def handle(self) -> tuple[Any, bool]:
        user = self.login.user
        if user is not None and not getattr(user, "email", None):
            return None, True
        records = get_authentication_records(self.request, user)
        if records and records[-1].get("method") == "code" and records[-1].get("phone"):
            return None, True
        result: tuple[Any, bool] = super().handle()
        return result
