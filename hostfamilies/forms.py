from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from hostfamilies.models import SupportFamilyMatch
from volunteers.models import Volunteer
from youth.models import Case


class SupportRequestForm(forms.Form):
    case = forms.ModelChoiceField(queryset=Case.objects.none(), label=_("For which family (case)"))
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        label=_("Organisation that looks for a support family"),
    )
    what_for = forms.CharField(label=_("What does the family need support for?"), max_length=200)
    wishes = forms.CharField(
        label=_("Wishes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: weekend stays, weekday afternoons, how often."),
    )

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases.select_related("young_person", "organisation")


class ProposeForm(forms.Form):
    volunteer = forms.ModelChoiceField(queryset=Volunteer.objects.none(), label=_("Support family"))

    def __init__(self, *args: Any, volunteers: QuerySet[Volunteer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers.select_related("user")


class MoveForm(forms.Form):
    move = forms.CharField()
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", "–"), *SupportFamilyMatch.Outcome.choices]
    )
