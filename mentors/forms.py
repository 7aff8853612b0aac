"""Forms of the mentorship pages and the invitation page. Each has a prefix, so several fit on one page with ids
that stay unique."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, ListSearchForm
from mentors.models import MAX_CHECKIN_WEEKS, MIN_CHECKIN_WEEKS, Mandate, Mentorship
from mentors.states import State
from youth.models import MentorChoice

# The quick rating: a face and words for each score, so that the meaning never depends on the picture alone.
SCORES = [
    (5, "😀", _("Very good")),
    (4, "🙂", _("Good")),
    (3, "😐", _("So-so")),
    (2, "🙁", _("Not so good")),
    (1, "😟", _("Bad")),
]
SCORE_LABELS = {score: (face, label) for score, face, label in SCORES}


class NominateForm(forms.Form):
    choice = forms.ModelChoiceField(
        queryset=MentorChoice.objects.none(),
        label=_("Whom do you ask first?"),
        widget=forms.RadioSelect,
        empty_label=None,
    )

    def __init__(self, *args: Any, choices: QuerySet[MentorChoice], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "nominate")
        super().__init__(*args, **kwargs)
        field = cast("forms.ModelChoiceField[MentorChoice]", self.fields["choice"])
        field.queryset = choices.select_related("person")
        # Django replaces the label per field instance; mypy sees a method there and types a lambda with `self`.
        field.label_from_instance = lambda choice: (  # type: ignore[method-assign, assignment]
            _("Choice %(rank)s: %(name)s")
            % {
                "rank": choice.rank,
                "name": choice.person.first_name,
            }
        )


class InviteForm(forms.Form):
    first_name = forms.CharField(label=_("First name of the nominee"), max_length=100)
    last_name = forms.CharField(label=_("Last name of the nominee"), max_length=100, required=False)
    phone = forms.CharField(
        label=_("Mobile number"), max_length=20, required=False, help_text=_("For example: 06 12345678.")
    )
    email = forms.EmailField(label=_("Email address"), required=False)
    by_sms = forms.BooleanField(label=_("Send the link by SMS"), required=False)
    by_email = forms.BooleanField(label=_("Send the link by email"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "invite")
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.input_type = "tel"

    @classmethod
    def initial_for(cls, mentorship: Mentorship) -> dict[str, Any]:
        first, _space, last = mentorship.nominee_name.partition(" ")
        return {
            "first_name": first,
            "last_name": last,
            "phone": mentorship.nominee_phone,
            "email": mentorship.nominee_email,
            "by_sms": bool(mentorship.nominee_phone),
            "by_email": bool(mentorship.nominee_email),
        }


class MoveForm(forms.Form):
    move = forms.CharField(max_length=30)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class ScreeningForm(forms.Form):
    vog_issued_on = forms.DateField(
        label=_("Date of issue of the VOG"),
        widget=DateInput(),
        help_text=_("As on the VOG. We do not keep a copy."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "screening")
        super().__init__(*args, **kwargs)


class MandateForm(forms.Form):
    decision = forms.ChoiceField(label=_("Your answer"), choices=Mandate.Decision.choices, widget=forms.RadioSelect)
    reservations = forms.CharField(
        label=_("Your reservations"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only with 'yes, with reservations': what worries you? The professional reads it."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "mandate")
        super().__init__(*args, **kwargs)


class CheckInForm(forms.Form):
    held_on = forms.DateField(label=_("Date of the check-in"), widget=DateInput())
    note = forms.CharField(
        label=_("How does it go?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone involved can read this. Private notes go in your coaching notes."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "checkin")
        super().__init__(*args, **kwargs)


class IntervalForm(forms.Form):
    weeks = forms.IntegerField(
        label=_("Weeks between check-ins"),
        min_value=MIN_CHECKIN_WEEKS,
        max_value=MAX_CHECKIN_WEEKS,
        help_text=_("From 1 to 26 weeks. Usually 8."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "interval")
        super().__init__(*args, **kwargs)


class CoachingNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the professionals of the case read this."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "note")
        super().__init__(*args, **kwargs)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How does it go?"),
        coerce=int,
        choices=[(score, label) for score, _face, label in SCORES],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Anything you want to add? (not needed)"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "rating")
        super().__init__(*args, **kwargs)

    def faces(self) -> list[tuple[str, str, str, Any]]:
        """(value, face, words, radio widget) per score, for the template that shows the faces."""
        return [
            (str(radio.data["value"]), SCORE_LABELS[int(radio.data["value"])][0], radio.choice_label, radio)
            for radio in self["score"]
        ]


class OutcomeForm(forms.Form):
    placement_averted = forms.ChoiceField(
        label=_("Was a threatened placement out of home averted?"),
        choices=Mentorship.Averted.choices,
        widget=forms.RadioSelect,
    )
    goals_young_person = forms.ChoiceField(
        label=_("Were the goals reached, in the eyes of the young person?"),
        choices=Mentorship.Goals.choices,
        widget=forms.RadioSelect,
    )
    goals_parents = forms.ChoiceField(
        label=_("Were the goals reached, in the eyes of the parents?"),
        choices=Mentorship.Goals.choices,
        widget=forms.RadioSelect,
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are those involved? (1 = not at all, 5 = very)"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, 6)],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "outcome")
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, mentorship: Mentorship) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(mentorship, name) for name in cls.base_fields if getattr(mentorship, name) not in ("", None)
        }
        if not mentorship.case.threatened_out_of_home_placement:
            initial.setdefault("placement_averted", Mentorship.Averted.NOT_APPLICABLE)
        return initial


class ClosureForm(OutcomeForm):
    reason = forms.CharField(
        label=_("Why does the mentorship end?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: the goals are reached and the mentor is no longer needed as JIM."),
    )
    field_order = ["reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "closure")
        super().__init__(*args, **kwargs)


class AcceptForm(forms.Form):
    first_name = forms.CharField(label=_("Your first name"), max_length=100)
    last_name = forms.CharField(label=_("Your last name"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("Your email address"),
        required=False,
        help_text=_("You log in with it. We send you a link to choose a password."),
    )

    def __init__(self, *args: Any, ask_email: bool, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "accept")
        super().__init__(*args, **kwargs)
        if ask_email:
            self.fields["email"].required = True
        else:
            del self.fields["email"]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why not? A few words are enough."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The young person and the professional read this. Be kind."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "decline")
        super().__init__(*args, **kwargs)


# The list's step filter: running now, finished, or one step (the values are the Dutch query parameter's).
RUNNING, FINISHED = "lopend", "afgerond"


class MentorshipSearchForm(ListSearchForm):
    """The search (the young person's or the mentor's name, the place) and the step filter above the mentorships."""

    q = forms.CharField(label=_("Search by name or place"), required=False, max_length=100)
    stap = forms.ChoiceField(
        label=_("Step"),
        required=False,
        choices=[("", _("All")), (RUNNING, _("Running now")), (FINISHED, _("Finished")), *State.choices],
    )
