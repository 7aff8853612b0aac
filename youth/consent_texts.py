"""The consent texts people see, per purpose, with the version recorded alongside each consent.

Change a text: write the new text and raise its version, so every consent row says which words were agreed to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from youth.models import ConsentPurpose


@dataclass(frozen=True)
class ConsentText:
    version: str
    text: Promise


CONSENT_TEXTS: dict[str, ConsentText] = {
    ConsentPurpose.DATA_PROCESSING: ConsentText(
        version="2026-11",
        text=_(
            "Dichtbij keeps your first name, date of birth, where you live and the languages you speak. "
            "Only the people who help you can see this. We never keep your citizen service number or a "
            "diagnosis. You can always see who looked at your data, and you can take back your yes."
        ),
    ),
    ConsentPurpose.NETWORK_SHARING: ConsentText(
        version="2026-11",
        text=_(
            "Your mentor or host family may see what they need to help you: your first name, your age, "
            "where you live and what you agreed together. They do not see your history with youth care, "
            "unless you say so. You can always take back your yes."
        ),
    ),
}
