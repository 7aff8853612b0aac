"""The text a parent or the young person says yes to when they give the mandate, with its version: a changed text
gets a new version, and every answer records the version it was given to (as youth/consent_texts.py does)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MANDATE_TEXT_VERSION = "jim-mandate-1"
MANDATE_TEXT = _(
    "%(mentor)s becomes the mentor (JIM) of %(name)s. The mentor listens to %(name)s and helps. What %(name)s tells "
    "the mentor stays between them, unless there is danger. Together we write down what the mentor may pass on "
    "to the parents and to the professional. You can stop it at any time."
)
BUDDY_MANDATE_TEXT_VERSION = "buddy-mandate-1"
BUDDY_MANDATE_TEXT = _(
    "%(mentor)s becomes the buddy of %(name)s. %(mentor)s is a trained volunteer who listens to %(name)s and helps. "
    "What %(name)s tells the buddy stays between them, unless there is danger. Together we write down what the "
    "buddy may pass on to the parents and to the professional. You can stop it at any time."
)


def mandate_text(kind: str) -> tuple[str, str]:
    """The mandate text for a kind of mentorship (Mentorship.Kind) with its version: (text with %(mentor)s and
    %(name)s, version)."""
    if kind == "buddy":
        return str(BUDDY_MANDATE_TEXT), BUDDY_MANDATE_TEXT_VERSION
    return str(MANDATE_TEXT), MANDATE_TEXT_VERSION


# What each step means, in plain words, for everyone on the mentorship page.
STATE_EXPLAINED = {
    "nominated": _("The young person chose this person. The professional will invite them."),
    "invited": _("The nominee got a link by SMS or email. They read what a JIM does and give their answer."),
    "talk": _("The nominee and the professional talk first about what being a JIM means."),
    "accepted": _("The nominee said yes. Next the professional starts the screening."),
    "declined": _("The nominee said no. The professional can ask the next person the young person chose."),
    "screening": _("The professional checks what the organisation asks of a mentor, such as a VOG."),
    "mandate": _("The parents with custody give the mandate, and the young person says yes, as the law asks."),
    "agreement": _("Everyone writes down together what the mentor may pass on, and agrees to it."),
    "active": _("The mentorship is running. The professional coaches the mentor and plans check-ins."),
    "stepped_back": _(
        "The mentorship is running. The professional has stepped back, but you can still call or message them."
    ),
    "completed": _("The mentorship is completed. The mentor can stay in the network of the young person."),
    "stopped": _("The mentorship was stopped."),
}
