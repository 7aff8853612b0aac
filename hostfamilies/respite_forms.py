"""Forms of the respite (logeren) pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput
from youth.models import Case


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Case) -> str:
        # The child's name is what a parent or professional recognises; the organisation tells two cases apart.
        return f"{obj.young_person.first_name} {obj.young_person.last_name} ({obj.organisation.name})"


class StayForm(forms.Form):
    case = CaseChoiceField(queryset=Case.objects.none(), label=_("Which child"))
    arrival = forms.DateField(label=_("Day of arrival"), widget=DateInput())
    departure = forms.DateField(
        label=_("Day of departure"),
        widget=DateInput(),
        help_text=_("The child sleeps there every night from the day of arrival up to the night before departure."),
    )
    with_parent = forms.BooleanField(label=_("A parent comes along"), required=False)

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases.select_related("young_person", "organisation").order_by(
            "young_person__first_name", "pk"
        )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", "confirm"), ("wait", "wait"), ("refuse", "refuse")],
    )
    reason = forms.CharField(
        label=_("Why do you refuse?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
