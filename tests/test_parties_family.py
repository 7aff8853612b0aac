"""The family parts (the young person's own record, a parent with or without custody) as one UNION of young people
(`youth.parties.family_young_people`, issue #23) give exactly the rows that the OR of one filter per part gave:
for every kind of family member, for each combination of parts, on the young people, on cases and on the matching
choice of a family (where the young person's own record counts from CONSENT_OWN_AGE)."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from accounts.models import Role
from matching.selectors import _family_scope
from tests.factories import (
    CaseFactory,
    UserFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    user_with_role,
)
from youth.ages import CONSENT_OWN_AGE, born_by
from youth.models import Case, CaseAssignment, Guardianship, YoungPerson
from youth.parties import FAMILY_PARTS, Party, parties_filter, young_people_where
from youth.selectors import case_visible_to, case_writable_by, youngperson_own_or_in_custody


def old_part(user: Any, part: Party, prefix: str) -> Q:
    """One family part as parties_filter stated it before the UNION."""
    if part == Party.YOUNG_PERSON:
        return Q(**{f"{prefix}young_person__user_id": user.pk})
    return Q(**{f"{prefix}young_person_id__in": young_people_where(user, part)})


def old_filter(user: Any, parts: tuple[Party, ...], prefix: str = "") -> Q:
    if not user.is_authenticated:
        return Q(pk__in=[])
    scope = Q(pk__in=[])
    for part in parts:
        scope |= old_part(user, part, prefix)
    return scope


def old_family_scope(user: Any) -> Q:
    """matching.selectors._family_scope before the UNION."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    own = old_part(user, Party.YOUNG_PERSON, "case__") & Q(
        case__young_person__date_of_birth__lte=born_by(CONSENT_OWN_AGE)
    )
    return old_part(user, Party.PARENT, "case__") | own


@pytest.fixture
def family(db: None) -> dict[str, Any]:
    """Young people of every kind, each with a case (assigned, for the matching scope), and their family members; one
    user holds several parts (a young adult with their own record who is also the parent of a child)."""
    parent, other_parent, waiting, stranger = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    young_adult, teenager, child_with_account = UserFactory(), UserFactory(), UserFactory()
    people = {
        "young_adult": YoungPersonFactory(user=young_adult, date_of_birth=born_years_ago(19)),
        "teenager": YoungPersonFactory(user=teenager, date_of_birth=born_years_ago(14)),
        "child_with_account": YoungPersonFactory(user=child_with_account, date_of_birth=born_years_ago(10)),
        "child": YoungPersonFactory(date_of_birth=born_years_ago(6)),
        "adult_closed": YoungPersonFactory(date_of_birth=born_years_ago(20)),
        "unrelated": YoungPersonFactory(date_of_birth=born_years_ago(9)),
    }
    for who in (parent, young_adult):
        add_guardian(people["child"], who, custody=True)
    add_guardian(people["teenager"], parent, custody=True)
    add_guardian(people["child_with_account"], parent, custody=True)
    add_guardian(people["child"], other_parent, custody=False)
    add_guardian(people["teenager"], other_parent, custody=False)
    add_guardian(people["adult_closed"], parent, custody=True)  # 18 or older, no look-along: counts for nothing
    add_guardian(people["young_adult"], parent, custody=True)
    Guardianship.objects.filter(young_person=people["young_adult"], guardian=parent).update(
        adult_access_granted_at="2026-01-01T00:00:00Z"
    )
    pending = add_guardian(people["unrelated"], waiting, custody=True)
    Guardianship.objects.filter(pk=pending.pk).update(status=Guardianship.Status.WAITING)
    professional = None
    for young_person in people.values():
        for _ in range(2):
            case = CaseFactory(young_person=young_person)
            professional = professional or user_with_role(Role.PROFESSIONAL, case.organisation, mfa=False)
            assign(case, professional)
    coordinator = user_with_role(Role.COORDINATOR, Case.objects.first().organisation, mfa=False)  # type: ignore[union-attr]
    users = {
        "professional": professional,
        "coordinator": coordinator,
        "parent": parent,
        "other_parent": other_parent,
        "waiting": waiting,
        "stranger": stranger,
        "young_adult": young_adult,
        "teenager": teenager,
        "child_with_account": child_with_account,
        "anonymous": AnonymousUser(),
    }
    return users


def ids(rows: Any) -> list[int]:
    return sorted(rows.values_list("pk", flat=True))


def family_part_sets() -> list[tuple[Party, ...]]:
    parts = sorted(FAMILY_PARTS)
    return [combo for size in range(1, len(parts) + 1) for combo in combinations(parts, size)]


def test_the_filter_on_cases_gives_the_same_rows_for_every_combination_of_parts(family: dict[str, Any]) -> None:
    for name, user in family.items():
        for parts in family_part_sets():
            new = parties_filter(user, parts, case="") or Q(pk__in=[])
            assert ids(Case.objects.filter(new)) == ids(Case.objects.filter(old_filter(user, parts))), (name, parts)
            with_staff = parties_filter(user, (Party.PROFESSIONAL, *parts), case="case") or Q(pk__in=[])
            staff = parties_filter(user, {Party.PROFESSIONAL}, case="case") or Q(pk__in=[])
            assert ids(CaseAssignment.objects.filter(with_staff)) == ids(
                CaseAssignment.objects.filter(staff | old_filter(user, parts, "case__"))
            ), (name, parts)


def test_someone_holding_several_parts_sees_the_young_people_of_each(family: dict[str, Any]) -> None:
    scope = parties_filter(family["young_adult"], (Party.YOUNG_PERSON, Party.PARENT), case="")
    assert scope is not None
    assert Case.objects.filter(scope).values("young_person").distinct().count() == 2


def test_own_or_in_custody_gives_the_same_young_people(family: dict[str, Any]) -> None:
    for name, user in family.items():
        new = ids(youngperson_own_or_in_custody(user))
        if user.is_authenticated:
            old = YoungPerson.objects.filter(Q(user=user) | Q(pk__in=young_people_where(user, Party.PARENT)))
            assert new == ids(old), name
        else:
            assert new == [], name
    # The teenager, the child with an account, the child, and the young adult who lets this parent look along.
    assert len(ids(youngperson_own_or_in_custody(family["parent"]))) == 4


def test_the_matching_family_scope_gives_the_same_rows(family: dict[str, Any]) -> None:
    seen = 0
    for name, user in family.items():
        new = ids(CaseAssignment.objects.filter(_family_scope(user)))
        assert new == ids(CaseAssignment.objects.filter(old_family_scope(user))), name
        seen += len(new)
    assert seen > 0
    # A child with their own account does not choose for themself before CONSENT_OWN_AGE; a teenager does.
    assert not CaseAssignment.objects.filter(_family_scope(family["child_with_account"])).exists()
    assert CaseAssignment.objects.filter(_family_scope(family["teenager"])).count() == 2


def test_an_anonymous_user_has_no_family(family: dict[str, Any]) -> None:
    anonymous = family["anonymous"]
    assert parties_filter(anonymous, FAMILY_PARTS, case="") is None


def test_the_visible_cases_are_the_same(family: dict[str, Any]) -> None:
    # The professional of the cases is also a parent: the two parts of case_visible_to meet in one user.
    child = YoungPerson.objects.get(date_of_birth__gt=born_years_ago(8))
    add_guardian(child, family["professional"], custody=True)
    for name, user in family.items():
        new = ids(case_visible_to(user))
        if user.is_authenticated:
            own_or_custody = YoungPerson.objects.filter(Q(user=user) | Q(pk__in=young_people_where(user, Party.PARENT)))
            old = Case.objects.filter(
                Q(pk__in=case_writable_by(user).values("pk")) | Q(young_person__in=own_or_custody)
            )
            assert new == ids(old), name
        else:
            assert new == [], name
    # The case they work on (the first, in their organisation) and the child's two.
    assert len(ids(case_visible_to(family["professional"]))) == 3
