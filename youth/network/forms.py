"""Forms of the network map. Short labels in plain words: young people fill these in themselves."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput
from youth.models import NetworkPerson

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class NetworkPersonForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    relation = forms.ChoiceField(
        label=_("How do you know this person?"), choices=NetworkPerson.Relation.choices, widget=forms.RadioSelect
    )
    relation_description = forms.CharField(
        label=_("Who is it?"),
        max_length=100,
        required=False,
        help_text=_("For example: my aunt, my football coach. Not required."),
    )
    closeness = forms.TypedChoiceField(
        label=_("How close is this person to you?"),
        choices=NetworkPerson.Closeness.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    trusted = forms.ChoiceField(label=_("Do you trust this person?"), choices=YES_NO, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("One line. Not required."),
    )

    @classmethod
    def initial_for(cls, person: NetworkPerson) -> dict[str, Any]:
        return {
            "first_name": person.first_name,
            "relation": person.relation,
            "relation_description": person.relation_description,
            "closeness": person.closeness,
            "trusted": "yes" if person.trusted else "no",
            "note": person.note,
        }

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["trusted"] = data["trusted"] == "yes"
        return data


RANK_LABELS = [_("1st choice"), _("2nd choice"), _("3rd choice")]


class MentorChoiceForm(forms.Form):
    """Three selects, first choice first. Any whole number is accepted here: the service says clearly why a
    person cannot be chosen (not in this network, not trusted, twice)."""

    def __init__(self, *args: Any, people: list[NetworkPerson], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [("", _("Nobody"))] + [(str(p.pk), p.first_name) for p in people if p.trusted]
        for number, label in enumerate(RANK_LABELS, 1):
            self.fields[f"rank_{number}"] = forms.IntegerField(
                label=label, required=False, widget=forms.Select(choices=options)
            )

    def person_ids(self) -> list[int]:
        """The chosen people in order; an empty select is skipped, so later choices move up."""
        return [self.cleaned_data[f"rank_{n}"] for n in (1, 2, 3) if self.cleaned_data.get(f"rank_{n}") is not None]


class NetworkSearchForm(forms.Form):
    searched_on = forms.DateField(label=_("Date of the search"), widget=DateInput)
    with_whom = forms.CharField(
        label=_("With whom"), max_length=200, help_text=_("For example: with Noah and his mother.")
    )
    outcome = forms.CharField(label=_("Outcome in one line"), max_length=200)
    ask_for_buddy = forms.BooleanField(
        label=_("Ask for a volunteer buddy instead"),
        required=False,
        help_text=_("The request waits for matching with a buddy from the volunteer pool."),
    )

    def clean_searched_on(self) -> Any:
        searched_on = self.cleaned_data["searched_on"]
        if searched_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return searched_on
