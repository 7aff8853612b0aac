from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Municipality, Organisation
from community.models import AGE_LIMIT, Category, Cost, Resource, Theme
from core.geo import Place, geocode

DISTANCES = [(2, _("2 km")), (5, _("5 km")), (10, _("10 km")), (25, _("25 km")), (50, _("50 km"))]


class ResourceForm(forms.Form):
    """An entry of the sociale kaart; the service checks it again (`resource_clean`)."""

    organisation = forms.ModelChoiceField(
        label=_("Kept up to date by"), queryset=Organisation.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("Name"), max_length=150)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(
        label=_("Description"),
        help_text=_("What it offers and for whom, in plain words."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    age_min = forms.IntegerField(label=_("From age"), min_value=0, max_value=AGE_LIMIT, initial=0)
    age_max = forms.IntegerField(label=_("Up to age"), min_value=0, max_value=AGE_LIMIT, initial=AGE_LIMIT)
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=Theme.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    address = forms.CharField(
        label=_("Address or area"),
        help_text=_("For example: Kooilaan 10, or: the whole of Leiden Noord."),
        max_length=200,
        required=False,
    )
    place = forms.CharField(label=_("Place"), max_length=100)
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=Municipality.objects.order_by("name"))
    opening_times = forms.CharField(
        label=_("Opening times"), help_text=_("For example: Wednesday 15:00-17:00."), max_length=300, required=False
    )
    cost = forms.ChoiceField(label=_("Cost"), choices=Cost.choices, widget=forms.RadioSelect, initial=Cost.FREE)
    cost_note = forms.CharField(
        label=_("About the cost"),
        help_text=_("For example: € 5 a month; free with a Leidse Pas."),
        max_length=200,
        required=False,
    )
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.CharField(label=_("Email address"), max_length=254, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"]).queryset = organisations
        if len(organisations) <= 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations.first()

    @staticmethod
    def initial_for(resource: Resource) -> dict[str, Any]:
        names = [
            "name",
            "category",
            "description",
            "age_min",
            "age_max",
            "address",
            "place",
            "opening_times",
            "cost",
            "cost_note",
            "phone",
            "email",
            "website",
        ]
        initial: dict[str, Any] = {name: getattr(resource, name) for name in names}
        initial |= {
            "organisation": resource.organisation_id,
            "municipality": resource.municipality_id,
            "themes": [t.theme for t in resource.themes.all()],
        }
        return initial


class SearchForm(forms.Form):
    """Search the directory. Every field may stay empty."""

    q = forms.CharField(
        label=_("Search words"),
        help_text=_("For example: voetbal, huiswerk, scheiding."),
        max_length=100,
        required=False,
    )
    theme = forms.ChoiceField(label=_("Theme"), choices=[("", _("Any theme")), *Theme.choices], required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Any category")), *Category.choices], required=False
    )
    age = forms.IntegerField(
        label=_("Age of the child or young person"), min_value=0, max_value=AGE_LIMIT, required=False
    )
    place = forms.CharField(
        label=_("Near the place"),
        help_text=_("Where the family lives, for example: Leiden."),
        max_length=100,
        required=False,
    )
    within = forms.TypedChoiceField(
        label=_("Within"),
        choices=DISTANCES,
        coerce=int,
        initial=10,
        required=False,
        # django-stubs types `empty_value` as a string; Django returns whatever it is for an empty choice.
        empty_value=10,  # type: ignore[arg-type]
    )

    def clean_place(self) -> Place | None:
        text = self.cleaned_data["place"].strip()
        if not text:
            return None
        try:
            return geocode(text)
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class ImportForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Import for"), queryset=Organisation.objects.none(), empty_label=None)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, with ; or , between the values, and the column names of the example on the first row."),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"]).queryset = organisations
        if len(organisations) <= 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations.first()
