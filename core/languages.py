"""Languages people can say they speak; stored as ISO 639 codes so matching compares codes, not words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SPOKEN_LANGUAGES = [
    ("nl", _("Dutch")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
    ("zgh", _("Tamazight (Berber)")),
    ("pap", _("Papiamento")),
    ("srn", _("Sranan Tongo")),
    ("pl", _("Polish")),
    ("uk", _("Ukrainian")),
    ("ti", _("Tigrinya")),
    ("so", _("Somali")),
    ("fr", _("French")),
    ("de", _("German")),
    ("es", _("Spanish")),
]

_LABELS = dict(SPOKEN_LANGUAGES)


def language_label(code: str) -> str:
    """The translated name of a language code; the code itself when it is not in our list."""
    return str(_LABELS.get(code, code))
