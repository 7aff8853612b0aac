"""Forms of the respite (logeren) pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.forms import OrganisationListSearchForm
from accounts.models import Organisation, User
from core.forms import DateInput
from respite.models import RespiteOption, Stay
from respite.selectors import ANY_TIME, PAST, UPCOMING
from volunteers.models import Volunteer
from youth.models import Case


# Generic in django-stubs only: subscripting it at run time needs django_stubs_ext.monkeypatch(), which we do not run.
class CaseChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
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
        case_field = cast("forms.ModelChoiceField[Case]", self.fields["case"])
        case_field.queryset = cases.select_related("young_person", "organisation").order_by(
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


# Generic in django-stubs only (see CaseChoiceField).
class PersonChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: User) -> str:
        return str(obj)  # the name, or the address or number of an account without one


# Generic in django-stubs only (see CaseChoiceField).
class FamilyChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Volunteer) -> str:
        # The beds are shown so the coordinator knows what "leave empty" will give.
        return _("%(name)s in %(place)s (beds for stays: %(beds)s)") % {
            "name": obj.user.get_full_name(),
            "place": obj.home_place,
            "beds": getattr(obj, "beds", 0),
        }


class OptionForm(forms.Form):
    """What a coordinator can change about a respite option (`respite.services.respiteoption_update`)."""

    name = forms.CharField(label=_("Name"), max_length=150, help_text=_("For example: Logeerhuis De Linde."))
    beds_per_night = forms.IntegerField(
        label=_("Beds per night"),
        min_value=1,
        max_value=100,
        help_text=_("The most children that can sleep there on one night."),
    )
    age_min = forms.IntegerField(label=_("From age"), min_value=0, max_value=23, initial=0)
    age_max = forms.IntegerField(
        label=_("Up to age"),
        min_value=0,
        max_value=23,
        initial=23,
        help_text=_(
            "A new age range only counts for new requests. It does not change stays that were already asked for or "
            "confirmed."
        ),
    )
    rules = forms.CharField(
        label=_("House rules"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What a child and the parents should know. For example: bedtime, phones, pets in the house."),
    )
    coordinator = PersonChoiceField(
        queryset=User.objects.none(),
        label=_("Coordinator"),
        help_text=_("This coordinator hears of new requests. Families see the name."),
    )
    active = forms.BooleanField(
        label=_("Open for bookings"),
        required=False,
        help_text=_(
            "Closed: nobody can ask for a new stay. Confirmed stays go ahead, and you can still decide on requests."
        ),
    )

    def __init__(self, *args: Any, coordinators: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[User]", self.fields["coordinator"]).queryset = coordinators


class NewOptionForm(OptionForm):
    """A new respite option (`respite.services.respiteoption_create`): a stay house, or a support family's beds."""

    kind = forms.ChoiceField(
        label=_("What kind of place"), choices=RespiteOption.Kind.choices, widget=forms.RadioSelect
    )
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    volunteer = FamilyChoiceField(
        queryset=Volunteer.objects.none(),
        label=_("Support family"),
        required=False,
        help_text=_("Only for beds at a support family."),
    )
    field_order = ["kind", "organisation", "volunteer", "name", "beds_per_night"]

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        families: QuerySet[Volunteer],
        coordinators: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, coordinators=coordinators, **kwargs)
        del self.fields["active"]  # a new option is open for bookings
        cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"]).queryset = organisations
        if len(organisations) == 1:
            # Most coordinators work for one organisation: nothing to choose.
            self.fields["organisation"].initial = organisations[0]
            self.fields["organisation"].widget = forms.HiddenInput()
        cast("forms.ModelChoiceField[Volunteer]", self.fields["volunteer"]).queryset = families
        self.fields["age_max"].help_text = ""  # nothing was asked for yet
        beds = self.fields["beds_per_night"]
        beds.required = False
        beds.help_text = _(
            "The most children that can sleep there on one night. For a support family you can leave this empty: "
            "then it is the number of beds the family has for stays."
        )


class StaySearchForm(OrganisationListSearchForm):
    """The search and filters above the overview's stays. The field names are the query parameters, Dutch like
    the paths (`?wanneer=past&status=confirmed`); the empty choice of each is the default."""

    wanneer = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[(UPCOMING, _("Not ended yet")), (PAST, _("Ended")), (ANY_TIME, _("Any time"))],
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("Any")), *Stay.Status.choices])
