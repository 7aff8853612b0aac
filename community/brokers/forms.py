"""Forms of the broker pages: asking for a broker, ending a request, recording a referral and its
moves. The services check everything again; these forms only shape the input."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.forms import OrganisationListSearchForm
from accounts.models import User
from community.brokers.selectors import ALL, ENDED, LINKED, OPEN, WAITING
from community.models import BrokerRequest, Referral, Resource
from community.states import Answer, Move
from core.forms import DateInput


class AskForm(forms.Form):
    purpose = forms.CharField(
        label=_("What should the broker help with?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In plain words, for example: a sports club for Daan, or other parents to talk to. No diagnoses."),
    )


class EndForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why does the request end?"), choices=[], widget=forms.RadioSelect)

    def __init__(self, *args: Any, reasons: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(BrokerRequest.EndReason.choices)
        cast(forms.ChoiceField, self.fields["reason"]).choices = [(reason, labels[reason]) for reason in reasons]


class ReferralForm(forms.Form):
    resource = forms.ModelChoiceField(label=_("Which entry of the sociale kaart"), queryset=Resource.objects.none())
    for_whom = forms.ChoiceField(label=_("For whom"), choices=Referral.For.choices, widget=forms.RadioSelect)
    parent = forms.ModelChoiceField(
        label=_("Which parent"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Only when the referral is for a parent."),
    )

    def __init__(self, *args: Any, resources: QuerySet[Resource], parents: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "referral")
        super().__init__(*args, **kwargs)
        resource, parent = self.fields["resource"], self.fields["parent"]
        assert isinstance(resource, forms.ModelChoiceField) and isinstance(parent, forms.ModelChoiceField)
        resource.queryset = resources
        parent.queryset = parents


class ReferralMoveForm(forms.Form):
    """One move of community/states.py, with only the fields that move asks for."""

    on = forms.DateField(label=_("Date"), widget=DateInput())
    answer = forms.ChoiceField(label=_("Answer"), choices=Answer.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the answer is no or stopped."),
    )

    def __init__(self, *args: Any, move: Move, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", move.name)
        super().__init__(*args, **kwargs)
        self.move = move
        if not move.needs_date:
            del self.fields["on"]
        answers = set(move.targets) - {""}
        if not answers:
            del self.fields["answer"]
        if not move.reason_for:
            del self.fields["reason"]
        elif "" in move.reason_for:
            self.fields["reason"].required = True
            self.fields["reason"].help_text = ""


class BrokerRequestSearchForm(OrganisationListSearchForm):
    """The search and filters above the overview of requests. The field names are the query parameters, Dutch
    like the paths (`?staat=ended`); the empty choice of each is the default."""

    staat = forms.ChoiceField(
        label=_("Requests"),
        required=False,
        choices=[
            (OPEN, _("Open")),
            (WAITING, _("Waiting for a broker")),
            (LINKED, _("With a broker")),
            (ENDED, _("Ended")),
            (ALL, _("All requests")),
        ],
    )
