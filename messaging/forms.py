from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=settings.MESSAGING_MAX_LENGTH
    )
    # A new id per page load: pressing send twice or reloading after a post stores the message once.
    client_msg_id = forms.CharField(widget=forms.HiddenInput, max_length=64, initial=lambda: uuid.uuid4().hex)


class ReportForm(forms.Form):
    reason = forms.CharField(label=_("What worries you? (you may leave this empty)"), required=False, max_length=1000)
