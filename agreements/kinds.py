"""What each kind of agreement is about: its sections (label and plain help text) and, for JIM, the safety
clause that is always shown on top and cannot be changed by a version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from agreements.models import Agreement

if TYPE_CHECKING:
    # The type of a lazy translation (gettext_lazy), known to the stubs only.
    from django_stubs_ext import StrPromise


@dataclass(frozen=True)
class Section:
    key: str
    label: StrPromise
    help: StrPromise


@dataclass(frozen=True)
class AgreementKind:
    key: str
    title: StrPromise
    sections: tuple[Section, ...]
    # Fixed text above every version; None when the kind has none.
    safety_clause: StrPromise | None = None

    def section_keys(self) -> list[str]:
        return [section.key for section in self.sections]


JIM_SAFETY_CLAUSE = _(
    "If there is danger, for you or for someone else, then the mentor does pass it on. To the professional, or to "
    "the emergency services. This is always so, whatever else is agreed here. Everything else the mentor only "
    "passes on if you agree."
)

KINDS: dict[str, AgreementKind] = {
    Agreement.Kind.SUPPORT_FAMILY: AgreementKind(
        key=Agreement.Kind.SUPPORT_FAMILY,
        title=_("Agreements between the two families"),
        sections=(
            Section(
                "schedule",
                _("When the child comes"),
                _("For example: every second weekend, from Friday 17:00 to Sunday 17:00. Who brings and collects?"),
            ),
            Section(
                "house_rules",
                _("House rules"),
                _("For example: bedtime, screen time, food, pets, what the child may do alone."),
            ),
            Section(
                "who_to_call",
                _("Who to call"),
                _("Who do you call if something happens, or if the child is ill? Write down names and phone numbers."),
            ),
        ),
    ),
    Agreement.Kind.JIM: AgreementKind(
        key=Agreement.Kind.JIM,
        title=_("Agreements about the mentor"),
        sections=(
            Section(
                "pass_on_parents",
                _("What the mentor may tell your parents"),
                _("What may the mentor tell your parents? And what not?"),
            ),
            Section(
                "pass_on_professional",
                _("What the mentor may tell the professional"),
                _("What may the mentor tell the professional? And what not?"),
            ),
            Section(
                "meetings",
                _("How often you meet"),
                _("For example: once a week, or when you need it. Where do you meet?"),
            ),
            Section(
                "reach_professional",
                _("How to reach the professional"),
                _("How can the mentor and you reach the professional? For example a phone number and when."),
            ),
        ),
        safety_clause=JIM_SAFETY_CLAUSE,
    ),
}


def kind_of(agreement_kind: str) -> AgreementKind:
    """The description of a kind; KeyError for a kind that does not exist (a programming error)."""
    return KINDS[agreement_kind]
