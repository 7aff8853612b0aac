from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ListSearchForm
from expenses.models import ExpenseClaim
from expenses.money import euro


class DecimalInput(forms.TextInput):
    # A text input with the decimal keyboard: type="number" rejects the Dutch comma in some browsers.
    def __init__(self) -> None:
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off"})


class ClaimForm(forms.Form):
    date = forms.DateField(label=_("Date of the activity"), widget=DateInput)
    kilometres = forms.DecimalField(
        label=_("Kilometres"),
        min_value=Decimal("0"),
        max_digits=6,
        decimal_places=1,
        initial=Decimal("0"),
        localize=True,
        widget=DecimalInput,
    )
    costs = forms.DecimalField(
        label=_("Other costs (€)"),
        help_text=_("For example parking or entrance tickets. Fill in 0 if there were none."),
        min_value=Decimal("0"),
        max_digits=7,
        decimal_places=2,
        initial=Decimal("0"),
        localize=True,
        widget=DecimalInput,
    )
    description = forms.CharField(
        label=_("What was it for?"),
        help_text=_("In a few words. For example: trip to the zoo with Sanne."),
        max_length=200,
    )

    def __init__(self, *args: Any, rate_per_km: Decimal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate
        self.fields["kilometres"].help_text = gettext(
            "Kilometres you travelled for this activity, there and back. You get %(rate)s per kilometre."
        ) % {"rate": euro(rate_per_km)}


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you refuse this claim?"),
        help_text=_("The volunteer will see this."),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClaimSearchForm(ListSearchForm):
    """The coordinator's search (the volunteer's name or place) and status filter above the claims."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Every status")), *ExpenseClaim.Status.choices]
    )
