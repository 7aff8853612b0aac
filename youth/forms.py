from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Municipality, Organisation, Role, Team, User
from core.forms import DateInput, ListSearchForm
from core.geo import normalise_postcode
from core.languages import SPOKEN_LANGUAGES
from youth.models import Case, Consent, ConsentPurpose, Guardianship


class YoungPersonRegisterForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False, help_text=_("Not required."))
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput)
    home_place = forms.CharField(label=_("Place where they live"), max_length=100)
    home_postcode = forms.CharField(label=_("Postcode"), max_length=7, required=False, help_text=_("Not required."))
    residence_municipality = forms.ModelChoiceField(
        queryset=Municipality.objects.all(), label=_("Municipality where they live")
    )
    paying_municipality = forms.ModelChoiceField(
        queryset=Municipality.objects.all(),
        label=_("Paying municipality"),
        help_text=_("Usually where the parents with custody live. It can be another municipality."),
    )
    languages = forms.MultipleChoiceField(
        choices=SPOKEN_LANGUAGES, label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple
    )
    threatened_out_of_home_placement = forms.BooleanField(
        label=_("There is a threat of out-of-home placement"), required=False
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"]).queryset = organisations
        if organisations.count() == 1:
            self.fields["organisation"].initial = organisations.first()

    def clean_date_of_birth(self) -> Any:
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return born

    def clean_home_postcode(self) -> str:
        value: str = self.cleaned_data["home_postcode"]
        return normalise_postcode(value) if value.strip() else ""


def _yes_no(value: str) -> bool:
    return value == "yes"


class GuardianAddForm(forms.Form):
    """A professional links a parent or guardian. Custody is a choice with no default: it decides who gives consent,
    so it is never assumed."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email address"))
    kind = forms.ChoiceField(label=_("Relation"), choices=Guardianship.Kind.choices)
    has_custody = forms.TypedChoiceField(
        label=_("Custody (gezag)"),
        choices=[("yes", _("Yes, this person has custody")), ("no", _("No, this person has no custody"))],
        coerce=_yes_no,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether this person has custody.")},
        help_text=_(
            "Custody (gezag) means: this person decides about the care for the child and gives consent. Often both "
            "parents have custody, also after a divorce. Not sure? Check it first, for example in the custody "
            "register of the court (gezagsregister)."
        ),
    )
    other_role_confirmed = forms.BooleanField(
        label=_(
            "I know that this person already has another role in this young person's life, and I still want to "
            "link them as parent or guardian."
        ),
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The extra box shows only once it matters (the service named the other role) or was ticked.
        if self.is_bound and self.data.get("other_role_confirmed") in ("on", "true", "True", "1"):
            self.show_other_role()

    def show_other_role(self) -> None:
        """Show the box "I know this person has another role..." (after the service refused without it)."""
        self.fields["other_role_confirmed"].widget = forms.CheckboxInput()
        # Django's cache of bound fields (private, so not in django-stubs): the widget changed after binding.
        self._bound_fields_cache.pop("other_role_confirmed", None)  # type: ignore[attr-defined]


class GuardianshipAnswerForm(forms.Form):
    """The asked person's answer to "are you the parent of ...?"."""

    answer = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))])


class ParentAccessForm(forms.Form):
    """A young adult's choice for one parent: may look along, or not."""

    decision = forms.ChoiceField(choices=[("grant", _("May look along")), ("revoke", _("May not look along"))])


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    decision = forms.ChoiceField(choices=[("give", "give"), ("withdraw", "withdraw")])


class ConsentRecordForm(forms.Form):
    """A professional writes down an answer a party gave in person or on paper (the service checks the party)."""

    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    party = forms.CharField(max_length=30)
    answer = forms.ChoiceField(choices=Consent.Answer.choices)
    text_version = forms.CharField(max_length=20)


class CaseProfessionalForm(forms.Form):
    """A coordinator puts a professional of the case's organisation on the case."""

    professional = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Professional"))
    lead = forms.BooleanField(
        label=_("Case lead (regiehouder)"),
        required=False,
        help_text=_("The current case lead then stops being case lead."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[User]", self.fields["professional"]).queryset = (
            User.objects.filter(
                is_active=True, roles__role=Role.PROFESSIONAL, roles__organisation_id=case.organisation_id
            )
            .exclude(pk__in=case.assignments.values("professional_id"))
            .distinct()
            .order_by("first_name", "last_name")
        )


class CaseSearchForm(ListSearchForm):
    """The search and filters above the case list; the field names are the (Dutch) query parameters."""

    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), label=_("Team"), required=False, empty_label=_("All teams")
    )
    toestemming = forms.BooleanField(label=_("Only cases waiting for consent"), required=False)
    zonder_professional = forms.BooleanField(label=_("Only cases without a professional"), required=False)
    alleen_mijn = forms.BooleanField(label=_("Only cases I work on myself"), required=False)

    def __init__(self, *args: Any, teams: Any, mine: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Team]", self.fields["team"]).queryset = teams
        # Only someone who is a professional can work on a case themself.
        if not mine:
            del self.fields["alleen_mijn"]
