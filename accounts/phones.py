"""Mobile numbers in one form, so that a number typed as "06 1234 5678", "0031612345678" or "+31612345678" is the
same number everywhere: for finding an account by phone, for the one-account-per-number rule and for sending SMS.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PHONE_DIGITS = re.compile(r"^\+?\d{10,15}$")


def normalise_phone(phone: str) -> str:
    """A Dutch or international mobile number as +CC…; '' for empty; ValidationError when it is no number."""
    compact = re.sub(r"[\s\-().]", "", (phone or "").strip())
    if not compact:
        return ""
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.startswith("0"):
        compact = "+31" + compact[1:]
    if not PHONE_DIGITS.match(compact):
        raise ValidationError({"phone": _("This is not a mobile number. Write it like 06 12345678.")})
    return compact
