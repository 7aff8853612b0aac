"""What each consent purpose covers, and the one rule that says whether a purpose is given for a young person.

Purposes (DOMAIN.md "Consent"; the words people agree to are in youth/consent_texts.py):

*Keeping data in Dichtbij* (`ConsentPurpose.DATA_PROCESSING`)
    With it: the young person's record, the case, the network map (people in the rings, the choice of a mentor,
    network searches) and the matches that follow from it are kept.
    Without it: only what the professional needs to offer help is kept — first name, date of birth, place and the
    case. The network pages say that consent is missing and take no new entries, and no match, mentorship, stay
    or broker link starts (matching needs the network and the data it keeps).

*Sharing what is needed with a mentor, support family or social broker* (`ConsentPurpose.NETWORK_SHARING`)
    With it: a mentor, buddy, support family, respite host or social broker of the young person sees the young
    person's first name, age and place, the practical schedule, the help asked and what the agreement says they
    may know. Never the care history, the professionals' notes or other parties' details.
    Without it: no new match or link starts (approving a support-family match, a buddy or a broker from a
    proposal round, activating a JIM mentorship, booking a stay are refused and say what is missing). A running
    one pauses: the supporter's record pages (mentorship, match, broker request and referral, stay, proposal) show
    only "paused" and the young person's first name — no age, place, needs, schedule or agreement text. The
    people keep their own conversation. Everyone who loses access, and the case's professionals, hear of it in
    one short notice (youth/services.py `consent_withdraw`).

A purpose is complete when every party the age rule asks for (`youth.selectors.consent_parties_required`: under 12
the parents with custody, 12 to 15 the young person and each parent with custody, from 16 the young person) has a
standing yes. A child under 12 without a known parent with custody has nobody who can say yes: not complete.
The young person's yes counts whether they gave it in Dichtbij or a professional recorded it (they may not have an
account yet); a parent's yes is theirs by account.

The rule reads the current rows, so a withdrawal works at once. Adding a purpose: add it to `ConsentPurpose`, give
it a text in consent_texts.py, describe it here and in README, and decide which pages and services ask for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import AnyUser
from youth.models import Case, ConsentPurpose, YoungPerson
from youth.parties import open_case_professionals
from youth.parties import supporters_of as supporters_of_young_person
from youth.selectors import case_writable_by, consent_complete_condition, youngperson_own_or_in_custody

KEEPING = ConsentPurpose.DATA_PROCESSING
SHARING = ConsentPurpose.NETWORK_SHARING
# What is not kept cannot be shared: supporters see something only while both purposes are complete.
SUPPORTER_PURPOSES: tuple[str, ...] = (KEEPING, SHARING)


def young_person_ids_with_consent(ids: Iterable[int], purposes: Iterable[str], *, on: date | None = None) -> set[int]:
    """Of the young people `ids`, those for whom every one of `purposes` is complete today (or `on`): the rule as
    one SQL condition (youth.selectors.consent_complete_condition). One query for any number of young people and
    purposes."""
    wanted, asked = set(ids), list(dict.fromkeys(purposes))
    if not wanted:
        return set()
    if not asked:
        return wanted
    found = YoungPerson.objects.filter(pk__in=wanted).filter(consent_complete_condition(purposes=asked, on=on))
    return set(found.values_list("pk", flat=True))


def young_person_ids_sharing_allowed(ids: Iterable[int]) -> set[int]:
    """Of the young people `ids`, those whose mentors, support families, respite hosts and brokers may see what the
    sharing consent covers (both purposes complete). One query, for lists."""
    return young_person_ids_with_consent(ids, SUPPORTER_PURPOSES)


def sharing_allowed(young_person: YoungPerson) -> bool:
    """Whether mentors, support families, respite hosts and brokers may see what is needed about this young person
    and whether a match or link may start (both purposes complete). One query; reads the current rows."""
    return young_person.pk in young_person_ids_sharing_allowed([young_person.pk])


def keeping_allowed(young_person: YoungPerson) -> bool:
    """Whether Dichtbij may keep more than the professional needs (the network map, matches). One query."""
    return young_person.pk in young_person_ids_with_consent([young_person.pk], [KEEPING])


def consent_missing(young_person: YoungPerson, *, purposes: Iterable[str] = SUPPORTER_PURPOSES) -> list[str]:
    """The purposes (of `purposes`) that are not complete for the young person now, in the order asked."""
    return [purpose for purpose in purposes if not young_person_ids_with_consent([young_person.pk], [purpose])]


def consent_require(young_person: YoungPerson, *, purposes: Iterable[str] = SUPPORTER_PURPOSES) -> None:
    """Refuse (ValidationError naming what is missing) to start a match or link while a purpose is not complete.

    Called by the services that start something, inside their transaction, so it reads the current rows."""
    missing = consent_missing(young_person, purposes=purposes)
    if not missing:
        return
    labels = ", ".join(str(ConsentPurpose(purpose).label) for purpose in missing)
    raise ValidationError(
        _(
            "This cannot start yet: %(name)s has no complete consent for: %(purposes)s. "
            "The consent page shows who still has to say yes."
        )
        % {"purposes": labels, "name": young_person.first_name}
    )


def supporters_of(young_person: YoungPerson) -> list[User]:
    """The people who see records of the young person through the sharing consent (mentor or buddy of an open
    mentorship, support family of an open match, host family of a stay still to come, broker of an open request):
    for the notice when that consent stops or starts again (youth.parties asks each feature)."""
    return supporters_of_young_person(young_person.pk)


def professionals_of(young_person: YoungPerson) -> list[User]:
    """The professionals of the young person's open cases (youth.parties' rule)."""
    return list(open_case_professionals(young_person.pk).order_by("pk"))


def sees_through_sharing(user: AnyUser, case: Case) -> bool:
    """Whether the user sees this case's young person only as a supporter (mentor, buddy, support family, respite
    host, broker, candidate volunteer), that is: not as the young person, a parent with custody, or a professional
    or coordinator who works on the case. Those see through the sharing consent; the others through their own
    part in the case."""
    if not user.is_authenticated:
        return False
    if youngperson_own_or_in_custody(user).filter(pk=case.young_person_id).exists():
        return False
    return not case_writable_by(user).filter(pk=case.pk).exists()


def supporter_paused(user: AnyUser, case: Case) -> bool:
    """Whether the user's record pages about this case are paused: they see it only as a supporter and the sharing
    consent is not complete now. Reads the current rows, so a withdrawal works at the next request."""
    return sees_through_sharing(user, case) and case.young_person_id not in young_person_ids_sharing_allowed(
        [case.young_person_id]
    )
