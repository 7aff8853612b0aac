"""The form to propose a version of an agreement: one text field per section of the kind, and what changed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from agreements.kinds import kind_of
from agreements.services import MAX_SECTION_LENGTH


class AgreementForm(forms.Form):
    change_note = forms.CharField(
        label=_("What did you change?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In a few words, so everyone sees quickly what is new."),
    )

    def __init__(self, *args: Any, kind: str, current: dict[str, str] | None = None, **kwargs: Any) -> None:
        """`current`: the texts to start from (the newest version), so a change is made on top of them."""
        kwargs.setdefault("prefix", "agreement")
        super().__init__(*args, **kwargs)
        self.kind = kind_of(kind)
        change_note = self.fields.pop("change_note")
        for section in self.kind.sections:
            self.fields[section.key] = forms.CharField(
                label=section.label,
                help_text=section.help,
                max_length=MAX_SECTION_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=(current or {}).get(section.key, ""),
            )
        if current:
            self.fields["change_note"] = change_note

    def sections(self) -> dict[str, str]:
        return {section.key: self.cleaned_data[section.key] for section in self.kind.sections}
