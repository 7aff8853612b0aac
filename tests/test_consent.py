"""Who must consent, by age, and recording consent as each party."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role, User
from tests.conftest import World
from tests.factories import YoungPersonFactory, add_guardian, user_with_role
from youth.ages import age_on
from youth.models import Consent, ConsentPurpose, YoungPerson
from youth.selectors import consent_overview, consent_parties_required
from youth.services import consent_give, consent_withdraw

TODAY = date(2026, 11, 25)


def born(years: int) -> date:
    """Born exactly `years` years before TODAY, plus a month: well past the birthday."""
    return date(TODAY.year - years, 10, 25)


@pytest.fixture
def parents(db: None) -> tuple[User, User]:
    return user_with_role(Role.PARENT), user_with_role(Role.PARENT)


def _young_person_with(parents: tuple[User, User], years: int, *, custody_for_both: bool = True) -> YoungPerson:
    young_person = YoungPersonFactory(date_of_birth=born(years))
    add_guardian(young_person, parents[0])
    add_guardian(young_person, parents[1], custody=custody_for_both)
    return young_person


@pytest.mark.parametrize(
    ("years", "young_person_decides", "parents_decide", "heard"),
    [
        (11, False, True, True),
        (12, True, True, False),
        (15, True, True, False),
        (16, True, False, False),
        (17, True, False, False),
        (18, True, False, False),
    ],
)
def test_who_must_consent_by_age(
    parents: tuple[User, User], years: int, young_person_decides: bool, parents_decide: bool, heard: bool
) -> None:
    young_person = _young_person_with(parents, years)
    required = consent_parties_required(young_person=young_person, on=TODAY)
    assert required.young_person is young_person_decides
    assert set(required.custodial_parents) == (set(parents) if parents_decide else set())
    assert required.young_person_heard is heard


def test_a_parent_without_custody_is_not_asked(parents: tuple[User, User]) -> None:
    young_person = _young_person_with(parents, 13, custody_for_both=False)
    assert consent_parties_required(young_person=young_person, on=TODAY).custodial_parents == [parents[0]]


@pytest.mark.parametrize(
    ("birthday_age", "young_person_decides", "parents_decide"), [(12, True, True), (16, True, False)]
)
def test_the_rule_changes_on_the_birthday_itself(
    parents: tuple[User, User], birthday_age: int, young_person_decides: bool, parents_decide: bool
) -> None:
    young_person = _young_person_with(parents, 0)
    young_person.date_of_birth = TODAY.replace(year=TODAY.year - birthday_age)
    the_day_before = consent_parties_required(young_person=young_person, on=TODAY - timedelta(days=1))
    on_the_day = consent_parties_required(young_person=young_person, on=TODAY)
    assert on_the_day.young_person is young_person_decides
    assert bool(on_the_day.custodial_parents) is parents_decide
    assert (the_day_before.young_person, bool(the_day_before.custodial_parents)) != (
        on_the_day.young_person,
        bool(on_the_day.custodial_parents),
    )


def test_leap_day_birthdays_count_from_first_of_march() -> None:
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18


def no_answers(world: World) -> None:
    """The world's young person before anyone answered (the world starts with every yes in)."""
    Consent.objects.filter(young_person=world.young_person).delete()


def test_young_person_and_parent_give_consent_and_it_is_complete(world: World) -> None:
    no_answers(world)
    consent_give(actor=world.young_person_user, young_person=world.young_person, purpose=ConsentPurpose.DATA_PROCESSING)
    consent_give(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.DATA_PROCESSING)
    status = {s.purpose: s for s in consent_overview(young_person=world.young_person)}
    assert status[ConsentPurpose.DATA_PROCESSING].complete
    assert not status[ConsentPurpose.NETWORK_SHARING].complete
    recorded = Consent.objects.get(given_by=world.parent)
    assert (recorded.given_as, recorded.text_version) == (Consent.GivenAs.CUSTODIAL_PARENT, "2026-11")


def test_someone_not_asked_cannot_consent(world: World) -> None:
    no_answers(world)
    with pytest.raises(ValidationError):
        consent_give(actor=world.professional, young_person=world.young_person, purpose=ConsentPurpose.DATA_PROCESSING)
    assert not Consent.objects.filter(young_person=world.young_person).exists()


def test_consent_twice_is_refused_and_withdrawal_keeps_history(world: World) -> None:
    no_answers(world)
    args: dict[str, Any] = {
        "actor": world.young_person_user,
        "young_person": world.young_person,
        "purpose": ConsentPurpose.DATA_PROCESSING,
    }
    consent_give(**args)
    with pytest.raises(ValidationError):
        consent_give(**args)
    withdrawn = consent_withdraw(**args)
    assert withdrawn.withdrawn_at is not None
    consent_give(**args)
    mine = Consent.objects.filter(young_person=world.young_person, given_by=world.young_person_user)
    assert mine.count() == 2
    assert mine.filter(withdrawn_at__isnull=True).count() == 1


def test_withdrawing_without_consent_is_refused(world: World) -> None:
    no_answers(world)
    with pytest.raises(ValidationError):
        consent_withdraw(actor=world.parent, young_person=world.young_person, purpose=ConsentPurpose.DATA_PROCESSING)


def test_unknown_purpose_is_refused(world: World) -> None:
    with pytest.raises(ValidationError):
        consent_give(actor=world.young_person_user, young_person=world.young_person, purpose="everything")
