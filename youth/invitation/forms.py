"""The forms of a young person's own account: sending the link, and the young person's yes on the link's page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class InviteForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number of the young person"),
        max_length=20,
        required=False,
        help_text=_("We send the link by SMS to this number. For example: 06 12345678."),
    )
    email = forms.EmailField(
        label=_("Email address of the young person"),
        required=False,
        help_text=_("We send the link by email to this address. Fill in one of the two, or both."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.input_type = "tel"
        self.fields["phone"].widget.attrs["autocomplete"] = "off"


class AcceptForm(forms.Form):
    first_name = forms.CharField(
        label=_("Your first name"),
        max_length=100,
        help_text=_("Is this right? You can change it here."),
    )
