"""The ages the rules of Dichtbij turn on, and the one way to count them.

Every feature that asks "how old" or "from which age" asks here, so that a birthday counts the same everywhere
(from the day itself; someone born on 29 February from 1 March) and an age threshold has one name. Who decides
at which age is `youth.selectors.consent_deciders` (the consent rule); this module only names the ages. Pure:
no models and no queries, so pages, services and the matching features can all import it.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

# From 12 the young person says yes themselves, together with each parent with custody (DOMAIN.md, Consent:
# "12 to 15: the young person and each custodial parent consent"; WGBO art. 7:450).
CONSENT_OWN_AGE = 12
# From 16 the young person decides alone (DOMAIN.md, Consent: "16 and 17: the young person decides"; WGBO
# art. 7:447), and 16 is also the AVG (UAVG art. 5) age for their own consent to data processing.
CONSENT_ALONE_AGE = 16
# From 18 an adult: custody ends and the young person alone decides who sees their record (DOMAIN.md, Consent:
# "18 and over: the young person alone"; BW art. 1:233).
ADULT_AGE = 18
# A young person has an account of their own from the age at which their own yes counts (youth.invitation).
ACCOUNT_AGE = CONSENT_OWN_AGE
# Plus-buddies (plusmaatjes, DOMAIN.md's "16+ buddy") support young people from 16 towards living independently.
PLUS_BUDDY_FROM_AGE = 16


def age_on(born: date, day: date) -> int:
    """Age in whole years on a day; a birthday counts from the day itself (29 February: from 1 March)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birthday(born: date, years: int) -> date:
    """The day someone born on `born` turns `years` (29 February: 1 March, as `age_on` counts)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)


def born_by(years: int, on: date | None = None) -> date:
    """The last date of birth of someone who is `years` or older on `on` (default today): born on or before it, as
    `age_on` counts. For a query: `date_of_birth__lte=born_by(12)` is "12 or older today"."""
    on = on or timezone.localdate()
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February, and that year had none: born on 28 February is the last that counts
        return date(on.year - years, 2, 28)


def is_adult_on(born: date, day: date) -> bool:
    """Whether someone born on `born` is ADULT_AGE or older on `day`."""
    return age_on(born, day) >= ADULT_AGE


def adult_born_by(on: date | None = None) -> date:
    """The last date of birth of someone who is ADULT_AGE or older on `on` (default today)."""
    return born_by(ADULT_AGE, on)


def adult_on(born: date) -> date:
    """The day someone born on `born` turns ADULT_AGE."""
    return birthday(born, ADULT_AGE)
