from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.forms import OrganisationListSearchForm
from accounts.models import Organisation
from core.forms import DateInput
from core.languages import SPOKEN_LANGUAGES
from hostfamilies.models import SupportFamilyMatch, SupportRequest
from hostfamilies.selectors import MATCHES_ALL, MATCHES_FINISHED, MATCHES_OPEN, REQUESTS_ALL, REQUESTS_WAITING
from hostfamilies.states import State, Visit
from volunteers.models import Volunteer
from youth.models import Case


class IntakeForm(forms.Form):
    """What the family tells at the intake (hostfamilies.services.INTAKE_FIELDS); the family corrects it here too."""

    what_for = forms.CharField(label=_("What does the family need support for?"), max_length=200)
    other_children_ages = forms.CharField(
        label=_("Ages of brothers and sisters who come along"),
        required=False,
        max_length=40,
        help_text=_("Only the ages, with commas. For example: 4, 9. Leave empty when no other children come."),
    )
    wants_weekend_stays = forms.BooleanField(label=_("Weekend stays"), required=False)
    wants_weekday_afternoons = forms.BooleanField(label=_("Weekday afternoons"), required=False)
    frequency = forms.ChoiceField(
        label=_("How often"), required=False, choices=[("", "–"), *SupportRequest.Frequency.choices]
    )
    wishes = forms.CharField(
        label=_("Other wishes"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: help with homework, or a family with children of the same age."),
    )
    home_place = forms.CharField(
        label=_("Place where the family lives"), max_length=100, help_text=_("Only the place, no address.")
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken at home"), choices=SPOKEN_LANGUAGES, widget=forms.CheckboxSelectMultiple
    )
    pet_allergy = forms.BooleanField(label=_("A child is allergic to pets"), required=False)
    smoke_free = forms.BooleanField(label=_("The children need a smoke-free home"), required=False)
    culture_or_religion = forms.CharField(
        label=_("Wishes about culture or religion"),
        required=False,
        max_length=150,
        help_text=_("Only if the family wants this. For example: a Muslim family, or no pork."),
    )

    def clean_other_children_ages(self) -> list[int]:
        text = self.cleaned_data["other_children_ages"]
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise forms.ValidationError(_("Write only ages in whole numbers, with commas. For example: 4, 9."))
        return [int(part) for part in parts]

    @classmethod
    def initial_from(cls, support_request: SupportRequest) -> dict[str, Any]:
        """The form's starting values from what is recorded."""
        initial = {name: getattr(support_request, name) for name in cls.base_fields}
        initial["other_children_ages"] = ", ".join(str(age) for age in support_request.other_children_ages)
        return initial


class SupportRequestForm(IntakeForm):
    case = forms.ModelChoiceField(queryset=Case.objects.none(), label=_("For which family (case)"))
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(),
        label=_("Organisation that looks for a support family"),
    )
    field_order = ["case", "organisation"]

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        case_field = cast("forms.ModelChoiceField[Case]", self.fields["case"])
        case_field.queryset = cases.select_related("young_person", "organisation")
        # Left empty, the place and languages are the young person's (the service fills them in).
        for name in ("home_place", "languages"):
            self.fields[name].required = False
        self.fields["home_place"].help_text = _("Only the place, no address. Leave empty: where the child lives.")

    def intake(self) -> dict[str, Any]:
        """The intake values for the service, leaving out the place and languages when left empty."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name in IntakeForm.base_fields and (value or name not in ("home_place", "languages"))
        }


class ProposeForm(forms.Form):
    volunteer = forms.ModelChoiceField(queryset=Volunteer.objects.none(), label=_("Support family"))

    def __init__(self, *args: Any, volunteers: QuerySet[Volunteer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Volunteer]", self.fields["volunteer"]).queryset = volunteers.select_related("user")


class MoveForm(forms.Form):
    move = forms.CharField()
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), required=False, choices=[("", "–"), *SupportFamilyMatch.Outcome.choices]
    )


class ReviewForm(forms.Form):
    """A review held with both families (hostfamilies.services.matchreview_record)."""

    held_on = forms.DateField(label=_("Date of the review"), widget=DateInput())
    family_view = forms.CharField(
        label=_("How does the family think it goes?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    host_view = forms.CharField(
        label=_("How does the support family think it goes?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    agreed_next = forms.CharField(
        label=_("What did you agree?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: we go on as now, or the agreements change."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "review")
        super().__init__(*args, **kwargs)


class VisitForm(forms.Form):
    """The day of one introduction visit (hostfamilies.services.match_introduction_record). The page has one form
    per visit, so each has a prefix of its own and the field ids do not clash."""

    LABELS = {
        Visit.FAMILY: _("Date of the visit to the family"),
        Visit.HOST: _("Date of the visit to the support family"),
        Visit.MEETING: _("Date the two families met"),
    }

    on = forms.DateField(widget=DateInput())

    def __init__(self, *args: Any, visit: str, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"visit-{visit}")
        super().__init__(*args, **kwargs)
        self.visit = visit
        self.fields["on"].label = self.LABELS[Visit(visit)]


class OverviewSearchForm(OrganisationListSearchForm):
    """The search and filters above the support-family overview. The empty choice of each filter is what a
    coordinator needs most: the waiting requests and the open matches (hostfamilies.selectors). The field names
    are the query parameters, Dutch like the paths (`?stap=trial&gevraagd=91`)."""

    status = forms.ChoiceField(
        label=_("Requests"),
        required=False,
        choices=[
            (REQUESTS_WAITING, _("Waiting for a support family")),
            (SupportRequest.Status.MATCHED, _("Matched")),
            (SupportRequest.Status.WITHDRAWN, _("Withdrawn")),
            (REQUESTS_ALL, _("All requests")),
        ],
    )
    gevraagd = forms.TypedChoiceField(
        label=_("Asked"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("any time")),
            (30, _("more than a month ago")),
            (91, _("more than three months ago")),
            (182, _("more than half a year ago")),
        ],
    )
    stap = forms.ChoiceField(
        label=_("Matches"),
        required=False,
        choices=[
            (MATCHES_OPEN, _("Open matches")),
            *((state.value, state.label) for state in State),
            (MATCHES_FINISHED, _("Ended or stopped")),
            (MATCHES_ALL, _("All matches")),
        ],
    )
