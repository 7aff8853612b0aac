"""Forms of group activities: planning one, and signing a family up."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, Team
from community.activities.selectors import PAST, UPCOMING
from community.models import AGE_LIMIT, GroupActivity
from core.forms import DateTimeInput, ListSearchForm
from volunteers.models import Volunteer
from youth.models import Case


class ActivityForm(forms.Form):
    """A group activity; the service checks it again. `organisation` and `organiser` are shown only when there is
    a choice: a social broker plans for themselves, in their own organisation."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )
    organiser = forms.ModelChoiceField(
        label=_("Organised by"),
        queryset=Volunteer.objects.none(),
        help_text=_("A social broker of the organisation."),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("No team in particular"),
        help_text=_("For the families of one local team."),
    )
    title = forms.CharField(label=_("Name of the activity"), max_length=150, help_text=_("For example: Reading club."))
    description = forms.CharField(
        label=_("What happens there"),
        help_text=_("In plain words: what you do together, and for whom."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    place = forms.CharField(
        label=_("Where"), max_length=150, help_text=_("For example: Community centre De Kooi, Leiden.")
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    places = forms.IntegerField(
        label=_("Number of places"), min_value=1, max_value=500, initial=8, help_text=_("How many families can join.")
    )
    age_min = forms.IntegerField(
        label=_("From age"), min_value=0, max_value=AGE_LIMIT, required=False, help_text=_("Leave empty for any age.")
    )
    age_max = forms.IntegerField(
        label=_("Up to age"), min_value=0, max_value=AGE_LIMIT, required=False, help_text=_("Leave empty for any age.")
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation] | None = None,
        organisers: QuerySet[Volunteer] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if organisations is None or len(organisations) == 1:
            # One choice is no choice: the page says it, the form does not ask.
            del self.fields["organisation"]
        else:
            cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"]).queryset = organisations
        teams = Team.objects.filter(organisation__in=organisations or []).select_related("organisation")
        if not teams:
            del self.fields["team"]
        else:
            team_field = cast("forms.ModelChoiceField[Team]", self.fields["team"])
            team_field.queryset = teams
            if organisations is not None and len(organisations) > 1:
                # With several organisations to choose from, each team says whose it is.
                # Django replaces the label per field instance; mypy sees a method there and types a lambda with `self`.
                team_field.label_from_instance = lambda team: f"{team.name} ({team.organisation})"  # type: ignore[method-assign, assignment]
        if organisers is None:
            del self.fields["organiser"]
        else:
            field = cast("forms.ModelChoiceField[Volunteer]", self.fields["organiser"])
            field.queryset = organisers
            # Django replaces the label per field instance; mypy sees a method there and types a lambda with `self`.
            field.label_from_instance = lambda volunteer: (  # type: ignore[method-assign, assignment]
                f"{volunteer.user.get_full_name()} ({volunteer.organisation})"
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        organisation, organiser = cleaned.get("organisation"), cleaned.get("organiser")
        if organisation is not None and organiser is not None and organiser.organisation_id != organisation.pk:
            self.add_error("organiser", _("Choose a social broker of this organisation."))
        team = cleaned.get("team")
        if organisation is not None and team is not None and team.organisation_id != organisation.pk:
            self.add_error("team", _("Choose a team of this organisation."))
        return cleaned

    @staticmethod
    def initial_for(activity: GroupActivity) -> dict[str, Any]:
        return {
            field: getattr(activity, field)
            for field in ("team", "title", "description", "place", "places", "age_min", "age_max")
        } | {
            "starts_at": timezone.localtime(activity.starts_at),
            "ends_at": timezone.localtime(activity.ends_at),
        }


class SignUpForm(forms.Form):
    """Which family to sign up: one of the user's cases that may join (`cases_to_sign_up`)."""

    case = forms.ModelChoiceField(
        label=_("Who takes part"),
        queryset=Case.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose who takes part."), "invalid_choice": _("Choose who takes part.")},
    )

    def __init__(self, *args: Any, cases: list[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[Case]", self.fields["case"])
        field.queryset = Case.objects.filter(pk__in=[case.pk for case in cases]).select_related("young_person")
        # Django replaces the label per field instance; mypy sees a method there and types a lambda with `self`.
        field.label_from_instance = lambda case: case.young_person.first_name  # type: ignore[method-assign, assignment]
        if len(cases) == 1:
            field.initial = cases[0].pk


class ActivitySearchForm(ListSearchForm):
    """The search and filters above the list of activities. The field names are the query parameters, Dutch like
    the paths (`?wanneer=past`); the empty choice of each is the default."""

    q = forms.CharField(label=_("Search by title or place"), required=False, max_length=100)
    wanneer = forms.ChoiceField(
        label=_("When"), required=False, choices=[(UPCOMING, _("Coming up")), (PAST, _("Has taken place"))]
    )
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("All"))

    def __init__(self, data: Any, *, teams: QuerySet[Team]) -> None:
        super().__init__(data)
        # Only someone who sees the activities of more than one team has something to choose.
        if len(teams) > 1:
            cast("forms.ModelChoiceField[Team]", self.fields["team"]).queryset = teams
        else:
            del self.fields["team"]
