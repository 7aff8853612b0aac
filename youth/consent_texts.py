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
    text: Promise  # with %(name)s for the young person's first name


CONSENT_TEXTS: dict[str, ConsentText] = {
    ConsentPurpose.DATA_PROCESSING: ConsentText(
        version="2026-11",
        text=_(
            "Dichtbij keeps the first name, date of birth, place of residence and languages of %(name)s. "
            "Only the people who help %(name)s can see this. We never keep a citizen service number or a "
            "diagnosis. You can always see who looked at the data, and you can take back your yes."
        ),
    ),
    ConsentPurpose.NETWORK_SHARING: ConsentText(
        version="2026-11",
        text=_(
            "The mentor or host family of %(name)s may see what they need to help: first name, age, place "
            "of residence and what was agreed together. They do not see the history with youth care, unless "
            "%(name)s says so. You can always take back your yes."
        ),
    ),
}
