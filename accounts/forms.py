"""The forms of logging in: with a code sent to a mobile number or email address (one field for both), or with a
password. allauth builds and handles them (ACCOUNT_FORMS); these set our fields, words and rules."""

from __future__ import annotations

from typing import Any, cast

from allauth.account.adapter import get_adapter
from allauth.account.forms import ConfirmLoginCodeForm, LoginForm
from allauth.account.internal.userkit import filter_users_by_email
from allauth.core import context, ratelimit
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, User
from accounts.phones import normalise_phone
from core.forms import ListSearchForm


class MobileNumberField(forms.CharField):
    """A mobile number as people write it ("06 12345678", "+31 6 …"), cleaned to the one stored form (+CC…)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        try:
            return normalise_phone(value)
        except ValidationError as error:
            raise ValidationError(error.messages, code="invalid_phone") from error


class LoginCodeRequestForm(forms.Form):
    """One field for a mobile number or an email address: people need not know which one their account has.

    The answer is the same whether or not an account has it (allauth's enumeration prevention): a code goes out only
    when an active account has the address or number, and nothing at all otherwise. Asking counts against a limit per
    address or number and per client address (ACCOUNT_RATE_LIMITS["request_login_code"]), known or not; over the
    limit nothing is sent and the form says to wait.
    """

    contact = forms.CharField(
        label=_("Your phone number or email address"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # allauth's view reads the account it found from here (None when none was).
        self._user: User | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        contact = (cleaned.get("contact") or "").strip()
        if not contact:
            return cleaned
        adapter = get_adapter()
        if "@" in contact:
            try:
                validate_email(contact)
            except ValidationError:
                raise ValidationError(
                    {"contact": _("This is not an email address. Write it like naam@voorbeeld.nl.")}
                ) from None
            # Lower case whether or not an account has it: the page repeats the address, and must read the same.
            email = contact.lower()
            users = filter_users_by_email(email, is_active=True, prefer_verified=True, for_login=True)
            user, key = (users[0] if users else None), email.lower()
            cleaned["email"] = email
        else:
            try:
                phone = normalise_phone(contact)
            except ValidationError:
                raise ValidationError(
                    {"contact": _("This is not a phone number or email address. Write a number like 06 12345678.")}
                ) from None
            user, key = adapter.get_user_by_phone(phone), phone
            cleaned["phone"] = phone
        if not ratelimit.consume(context.request, action="request_login_code", key=key):
            raise ValidationError(adapter.error_messages["too_many_login_attempts"], code="rate_limited")
        self._user = user
        return cleaned


class LoginCodeConfirmForm(ConfirmLoginCodeForm):
    """The code from the SMS or email: a big field that opens the number keyboard and that phones fill in from the
    message (autocomplete=one-time-code)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.label = _("Code")
        field.widget.attrs = {
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "pattern": "[0-9]*",
            "maxlength": "12",
            "class": "code-input",
            "autofocus": True,
        }


class PasswordLoginForm(LoginForm):
    """allauth's login with a password, by email address or mobile number, in our words."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Email address or mobile number")
        login.widget.attrs.update({"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
        login.widget.attrs.pop("placeholder", None)


class OrganisationListSearchForm(ListSearchForm):
    """A list's search box with a choice of organisation (`?organisatie=`), for lists of someone who coordinates for
    several; with one organisation there is nothing to choose and the field is left out."""

    organisatie = forms.ModelChoiceField(
        label=_("Organisation"), required=False, queryset=Organisation.objects.none(), empty_label=_("All")
    )

    def __init__(self, data: Any, *, organisations: QuerySet[Organisation]) -> None:
        super().__init__(data)
        if len(organisations) > 1:
            cast("forms.ModelChoiceField[Organisation]", self.fields["organisatie"]).queryset = organisations
        else:
            del self.fields["organisatie"]
