"""Forms of the proposal pages: a reason (excluding, declining) and the family's choice."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from matching.selectors import BROKER, BUDDY, SUPPORT


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why?"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


# The yes in the words of a buddy or broker round; a support family's is the field's own.
YES_BY_KIND = {
    BUDDY: _("Yes, I would like to be the buddy of this young person"),
    BROKER: _("Yes, I would like to be the social broker of this family"),
}


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Your answer"),
        choices=[("yes", _("Yes, I would like to support this family")), ("no", _("No, I cannot do this"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("If you say no: why?"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordinator reads this. The family only hears that you cannot do it."),
    )

    def __init__(self, *args: Any, kind: str = SUPPORT, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        yes = YES_BY_KIND.get(kind)
        if yes is not None:
            cast(forms.ChoiceField, self.fields["answer"]).choices = [("yes", yes), ("no", _("No, I cannot do this"))]


class ChooseForm(forms.Form):
    proposal = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    others = forms.BooleanField(required=False)
