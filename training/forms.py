from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation
from core.forms import DateTimeInput
from training.models import Course
from volunteers.models import Volunteer, VolunteerKind


class CourseForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=_("Organisation"))
    title = forms.CharField(label=_("Title"), max_length=150, help_text=_("For example: Basic course for buddies."))
    kind = forms.ChoiceField(label=_("Kind of course"), choices=Course.Kind.choices, widget=forms.RadioSelect)
    for_kind = forms.ChoiceField(
        label=_("For which volunteers"),
        choices=[("", _("Choose…")), *VolunteerKind.choices],
        required=False,
        help_text=_("Only for a basic course."),
    )
    theme = forms.ChoiceField(
        label=_("Theme"),
        choices=[("", _("Choose…")), *Course.Theme.choices],
        required=False,
        help_text=_("Only for a themed session."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What volunteers learn. Not required."),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Organisation]", self.fields["organisation"]).queryset = organisations
        if len(organisations) == 1:
            # One choice is no choice: it is filled in and not shown.
            self.fields["organisation"].initial = organisations[0]
            self.fields["organisation"].widget = forms.HiddenInput()


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeInput())
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("The address. Leave empty for an online session."),
    )
    online_link = forms.URLField(
        label=_("Online link"),
        required=False,
        assume_scheme="https",
        help_text=_("The link to the video call. Leave empty if there is none."),
    )
    trainer = forms.CharField(label=_("Trainer"), max_length=150)
    capacity = forms.IntegerField(label=_("Number of places"), min_value=1, max_value=500, initial=12)


class WaitingListForm(forms.Form):
    waiting_list = forms.BooleanField(required=False)


class VolunteerEnrolForm(forms.Form):
    volunteer = forms.ModelChoiceField(queryset=Volunteer.objects.none(), label=_("Volunteer"))
    waiting_list = forms.BooleanField(
        label=_("Put on the waiting list if the session is full"), required=False, initial=True
    )

    def __init__(self, *args: Any, volunteers: QuerySet[Volunteer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Volunteer]", self.fields["volunteer"]).queryset = volunteers


class AttendanceForm(forms.Form):
    attended = forms.TypedChoiceField(
        choices=[("yes", _("present")), ("no", _("absent"))], coerce=lambda value: value == "yes"
    )
