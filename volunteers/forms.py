from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Municipality, Organisation
from core.forms import DateInput, ListSearchForm
from core.geo import normalise_postcode
from core.languages import SPOKEN_LANGUAGES
from volunteers.models import DayPart, Experience, Outcome, Volunteer, VolunteerKind
from volunteers.services import HouseholdData

WEEKDAYS = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
AVAILABILITY_CHOICES = [
    (f"{day}-{part}", f"{WEEKDAYS[day]} {label}") for day in range(7) for part, label in DayPart.choices
]


def slots_from(values: list[str]) -> list[tuple[int, str]]:
    """'5-afternoon' → (5, 'afternoon'): the checkbox values of the weekly grid as (weekday, day part)."""
    return [(int(day), part) for day, part in (value.split("-") for value in values)]


CHILD_LINE = re.compile(r"^\s*(?P<name>[^\d,]+?)\s*,?\s*(?P<age>\d{1,2})\s*$")


class VolunteerRegisterForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("Email address"), help_text=_("We send you a link to choose a password."))
    phone = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(
            kind__in=[Organisation.Kind.VOLUNTEER_ORGANISATION, Organisation.Kind.LOCAL_TEAM]
        ),
        label=_("Organisation you want to volunteer with"),
    )
    kinds = forms.MultipleChoiceField(
        choices=VolunteerKind.choices, widget=forms.CheckboxSelectMultiple, label=_("What do you want to do?")
    )
    home_place = forms.CharField(label=_("Place where you live"), max_length=100)
    home_postcode = forms.CharField(label=_("Postcode"), max_length=7, required=False, help_text=_("Not required."))
    municipality = forms.ModelChoiceField(queryset=Municipality.objects.all(), label=_("Municipality"))
    travel_radius_km = forms.IntegerField(
        label=_("How far do you want to travel? (km)"), min_value=1, max_value=100, initial=10
    )
    capacity = forms.IntegerField(
        label=_("How many young people or families at the same time?"), min_value=1, max_value=10, initial=1
    )
    availability = forms.MultipleChoiceField(
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label=_("When are you usually free?"),
        help_text=_("Overnight means a child can stay the night."),
    )
    unavailable_from = forms.DateField(
        label=_("Away from"), required=False, widget=DateInput, help_text=_("For example a holiday. Not required.")
    )
    unavailable_to = forms.DateField(label=_("Away until"), required=False, widget=DateInput)
    experience = forms.MultipleChoiceField(
        choices=Experience.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Do you have experience with…"),
    )
    interests = forms.CharField(
        label=_("Interests and hobbies"),
        max_length=300,
        required=False,
        help_text=_("For example: football, cooking, music, animals."),
    )
    languages = forms.MultipleChoiceField(
        choices=SPOKEN_LANGUAGES, widget=forms.CheckboxSelectMultiple, label=_("Languages you speak"), initial=["nl"]
    )
    preferred_age_min = forms.IntegerField(label=_("Young people from age"), min_value=0, max_value=23, initial=6)
    preferred_age_max = forms.IntegerField(label=_("up to age"), min_value=0, max_value=23, initial=18)
    preferred_gender = forms.ChoiceField(
        choices=Volunteer.Gender.choices, required=False, label=_("Boys or girls?"), widget=forms.RadioSelect
    )
    culture_or_religion = forms.CharField(
        label=_("Culture or religion"),
        max_length=100,
        required=False,
        help_text=_("Only if you want to share it. Some families ask for this."),
    )
    # Support families only: the household.
    adults = forms.CharField(
        label=_("Adults in your house"),
        required=False,
        help_text=_("Only for a support family. First names, with a comma between them. For example: Anna, Joost"),
    )
    children = forms.CharField(
        label=_("Children who live at home"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only for a support family. One child per line: first name and age. For example: Sam 8"),
    )
    pets = forms.CharField(label=_("Pets"), max_length=100, required=False, help_text=_("For example: a dog."))
    smoking = forms.BooleanField(label=_("Someone smokes in the house"), required=False)
    beds_for_stays = forms.IntegerField(
        label=_("Beds for a child to stay the night"), min_value=0, max_value=10, initial=0, required=False
    )

    def clean_home_postcode(self) -> str:
        value: str = self.cleaned_data["home_postcode"]
        return normalise_postcode(value) if value.strip() else ""

    def clean_children(self) -> list[tuple[str, int]]:
        children = []
        for line in self.cleaned_data["children"].splitlines():
            if not line.strip():
                continue
            match = CHILD_LINE.match(line)
            if not match or int(match["age"]) > 30:
                raise forms.ValidationError(
                    _("We do not understand “%(line)s”. Write a first name and an age, like: Sam 8"),
                    params={"line": line.strip()},
                )
            children.append((match["name"].strip(), int(match["age"])))
        return children

    def clean_unavailable_to(self) -> Any:
        start, end = self.cleaned_data.get("unavailable_from"), self.cleaned_data.get("unavailable_to")
        if bool(start) != bool(end):
            raise forms.ValidationError(_("Fill in both the first and the last day, or neither."))
        return end

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["availability"] = slots_from(data["availability"])
        adults = [name.strip() for name in data.pop("adults").split(",") if name.strip()]
        children, pets, smoking, beds = (data.pop(k) for k in ("children", "pets", "smoking", "beds_for_stays"))
        data["household"] = (
            HouseholdData(adults=adults, children=children, pets=pets, smoking=smoking, beds_for_stays=beds or 0)
            if VolunteerKind.SUPPORT_FAMILY in data["kinds"]
            else None
        )
        return data


class StepForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    note = forms.CharField(
        label=_("Short note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only what is needed for matching. No medical details."),
    )


class ReferenceAddForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    relation = forms.CharField(label=_("How do they know the volunteer?"), max_length=100)
    contact = forms.CharField(label=_("Phone or email"), max_length=150)


class ReferenceRecordForm(forms.Form):
    contacted_on = forms.DateField(label=_("Contacted on"), widget=DateInput, initial=timezone.localdate)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)


class VogRequestForm(forms.Form):
    requested_on = forms.DateField(label=_("Requested on"), widget=DateInput, initial=timezone.localdate)


class VogReceiveForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=DateInput, initial=timezone.localdate)
    issued_on = forms.DateField(label=_("Date of issue"), widget=DateInput)
    screening_profile = forms.CharField(
        label=_("Screening profile"), max_length=100, help_text=_("As on the VOG, e.g. 'Minderjarigen'.")
    )


class AvailabilityForm(forms.Form):
    availability = VolunteerRegisterForm.base_fields["availability"]

    def slots(self) -> list[tuple[int, str]]:
        return slots_from(self.cleaned_data["availability"])


class UnavailabilityForm(forms.Form):
    starts_on = forms.DateField(label=_("First day"), widget=DateInput)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=100, required=False, help_text=_("Not required."))


# "Registered more than … ago" in the pipeline's filter: weeks, as a coordinator plans the next step.
WAITING_WEEKS = (2, 4, 8, 12)


class PipelineSearchForm(ListSearchForm):
    """The search and filters above the coordinator's volunteer list; the field names are the (Dutch) query
    parameters."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Every status")), *Volunteer.Status.choices]
    )
    soort = forms.ChoiceField(
        label=_("Kind of volunteering"), required=False, choices=[("", _("Every kind")), *VolunteerKind.choices]
    )
    weken = forms.TypedChoiceField(
        label=_("Registered"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    zonder_intake = forms.BooleanField(label=_("Only without an intake conversation"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Filled in here, so that the number goes into the text in the page's language.
        cast("forms.TypedChoiceField", self.fields["weken"]).choices = [
            ("", gettext("Any time")),
            *((weeks, gettext("more than %(weeks)s weeks ago") % {"weeks": weeks}) for weeks in WAITING_WEEKS),
        ]

    def registered_before(self) -> date | None:
        """The day before which the volunteers asked for registered, or None."""
        weeks = self.value("weken")
        return timezone.localdate() - timedelta(weeks=weeks) if weeks else None
