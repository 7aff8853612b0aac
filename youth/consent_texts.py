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
    # 2026-12: names every supporter who sees it (support family, host family for stays, social broker) and all
    # that they see (youth/consent.py); 2026-11 named only a mentor or host family.
    ConsentPurpose.NETWORK_SHARING: ConsentText(
        version="2026-12",
        text=_(
            "The mentor, support family, host family for stays or social broker of %(name)s may see what they "
            "need to help: first name, age, place of residence, the practical schedule, the help asked and what "
            "was agreed together. They never see the history with youth care, the notes of the professionals or "
            "details of other people. Without this yes nothing new starts and their pages about %(name)s pause. "
            "You can always take back your yes."
        ),
    ),
}
