"""The shared agreements component: versions, everyone agreeing again after a change, the version in force staying
until all agreed, refusals (non-signatory, old version, twice), one in-force moment under concurrency, erasure, the
query count of the overview, the form and the partial."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.template.loader import render_to_string
from pytest_django import DjangoAssertNumQueries

from accounts.models import User
from agreements.forms import AgreementForm
from agreements.kinds import JIM_SAFETY_CLAUSE, KINDS
from agreements.models import Agreement, AgreementSignature, AgreementVersion, SignatoryParty
from agreements.selectors import (
    agreement_awaits,
    agreement_current_texts,
    agreement_in_force_exists,
    agreement_of,
    agreement_overview,
    agreement_versions,
    agreementversion_in_force,
    agreementversion_of,
    agreementversion_pending,
)
from agreements.services import agreementversion_agree, agreementversion_propose
from tests.conftest import World
from tests.factories import SUPPORT_FAMILY_TEXTS, CaseFactory, UserFactory

KIND = Agreement.Kind.SUPPORT_FAMILY


def propose(world: World, texts: dict[str, str] | None = None, **extra: Any) -> AgreementVersion:
    """A version for the world's case (any model can be a subject), to be agreed by the parent and the volunteer."""
    return agreementversion_propose(
        agreement_subject=world.case,
        kind=KIND,
        proposed_by=world.coordinator,
        sections=texts or dict(SUPPORT_FAMILY_TEXTS),
        signatories=[(world.parent, SignatoryParty.PARENT), (world.volunteer, SignatoryParty.SUPPORT_FAMILY)],
        **extra,
    )


def changed(**texts: str) -> dict[str, str]:
    return {**SUPPORT_FAMILY_TEXTS, **texts}


def test_a_version_is_in_force_once_every_party_agreed(world: World) -> None:
    version = propose(world)
    agreement = agreement_of(world.case)
    assert agreement is not None and agreement.kind == KIND and version.number == 1
    assert [(s.user, s.party, s.agreed_at) for s in version.signatures.order_by("pk")] == [
        (world.parent, "parent", None),
        (world.volunteer, "support_family", None),
    ]
    assert agreement_awaits(world.parent, agreement) and not agreement_awaits(world.coordinator, agreement)
    assert agreementversion_pending(agreement) == version and agreementversion_in_force(agreement) is None

    version = agreementversion_agree(version=version, user=world.parent)
    assert version.in_force_at is None, "one yes is not enough"
    assert not agreement_awaits(world.parent, agreement) and agreement_awaits(world.volunteer, agreement)
    assert not agreement_in_force_exists(world.case)

    version = agreementversion_agree(version=version, user=world.volunteer)
    last_yes = AgreementSignature.objects.get(version=version, user=world.volunteer).agreed_at
    assert version.in_force_at == last_yes
    assert agreementversion_in_force(agreement) == version and agreementversion_pending(agreement) is None
    assert agreement_in_force_exists(world.case)


def test_a_change_needs_everyone_again_and_the_old_version_stays_in_force_until_then(world: World) -> None:
    first = propose(world)
    for user in (world.parent, world.volunteer):
        agreementversion_agree(version=first, user=user)
    second = agreementversion_propose(
        agreement=agreement_of(world.case),
        proposed_by=world.parent,
        sections=changed(house_rules="Om 20:30 naar bed."),
        change_note="Later naar bed",
        signatories=[(world.parent, SignatoryParty.PARENT), (world.volunteer, SignatoryParty.SUPPORT_FAMILY)],
    )
    assert (second.number, second.change_note, second.proposed_by_name) == (2, "Later naar bed", str(world.parent))
    agreement = agreement_of(world.case)
    assert agreement is not None
    assert agreementversion_in_force(agreement) == first and agreementversion_pending(agreement) == second
    # Both must agree again, also the one who proposed the change.
    assert agreement_awaits(world.parent, agreement) and agreement_awaits(world.volunteer, agreement)
    agreementversion_agree(version=second, user=world.volunteer)
    assert agreementversion_in_force(agreement) == first
    agreementversion_agree(version=second, user=world.parent)
    assert agreementversion_in_force(agreement) == second
    assert agreement_current_texts(world.case) == changed(house_rules="Om 20:30 naar bed.")
    assert Agreement.objects.count() == 1


def test_an_old_version_cannot_be_agreed_to(world: World) -> None:
    first = propose(world)
    agreementversion_agree(version=first, user=world.parent)
    second = propose(world, changed(schedule="Elk weekend"))
    with pytest.raises(ValidationError, match=r"newer version|nieuwere versie"):
        agreementversion_agree(version=first, user=world.volunteer)
    assert AgreementVersion.objects.get(pk=first.pk).in_force_at is None
    overview = agreement_overview(world.case, KIND, world.volunteer)
    assert overview.pending is not None and overview.pending.version == second
    assert [view.replaced for view in overview.versions] == [False, True]
    assert overview.in_force is None


def test_only_a_signatory_agrees_and_only_once(world: World) -> None:
    version = propose(world)
    for outsider in (world.coordinator, world.professional, world.young_person_user):
        with pytest.raises(PermissionDenied):
            agreementversion_agree(version=version, user=outsider)
    agreementversion_agree(version=version, user=world.parent)
    with pytest.raises(ValidationError):
        agreementversion_agree(version=version, user=world.parent)


def test_texts_are_checked_and_an_unchanged_version_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as missing:
        propose(world, {"schedule": "Elk weekend", "house_rules": "  "})
    assert set(missing.value.message_dict) == {"house_rules", "who_to_call"}
    with pytest.raises(ValidationError):
        propose(world, changed(secret="geheim"))
    with pytest.raises(ValidationError):
        propose(world, changed(schedule="x" * 2001))
    with pytest.raises(ValidationError):
        agreementversion_propose(
            agreement_subject=world.case, kind=KIND, proposed_by=world.coordinator, sections=changed(), signatories=[]
        )
    propose(world, changed(schedule="  Elk weekend  "))
    with pytest.raises(ValidationError, match=r"changed|veranderd"):
        propose(world, changed(schedule="Elk weekend"))
    assert AgreementVersion.objects.count() == 1


def test_a_user_named_twice_signs_once(world: World) -> None:
    version = agreementversion_propose(
        agreement_subject=world.case,
        kind=KIND,
        proposed_by=world.coordinator,
        sections=changed(),
        signatories=[(world.parent, SignatoryParty.PARENT), (world.parent, SignatoryParty.SUPPORT_FAMILY)],
    )
    assert list(version.signatures.values_list("party", flat=True)) == ["parent"]


def test_the_history_keeps_the_name_of_an_erased_account(world: World) -> None:
    leaving = UserFactory(first_name="Joop", last_name="Klaver")
    version = agreementversion_propose(
        agreement_subject=world.case,
        kind=KIND,
        proposed_by=leaving,
        sections=changed(),
        signatories=[(leaving, SignatoryParty.SUPPORT_FAMILY), (world.parent, SignatoryParty.PARENT)],
    )
    agreementversion_agree(version=version, user=leaving)
    leaving.delete()
    signature = AgreementSignature.objects.get(version=version, party="support_family")
    assert (signature.user, signature.name, signature.agreed_at is not None) == (None, "Joop Klaver", True)
    assert AgreementVersion.objects.get(pk=version.pk).proposed_by_name == "Joop Klaver"


def test_the_overview_takes_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    version = propose(world)
    with django_assert_max_num_queries(3):
        small = agreement_overview(world.case, KIND, world.parent)
    for number in range(4):
        agreementversion_agree(version=version, user=world.parent)
        agreementversion_agree(version=version, user=world.volunteer)
        version = propose(world, changed(schedule=f"Weekend {number}"))
    with django_assert_max_num_queries(3):
        big = agreement_overview(world.case, KIND, world.parent)
        assert [len(view.signatures) for view in big.versions] == [2] * 5
    assert len(small.versions) == 1 and len(big.versions) == 5
    assert big.user_must_agree and big.in_force is not None and big.in_force.version.number == 4
    assert [str(label) for label, _text in big.in_force.parts] == [str(s.label) for s in KINDS[KIND].sections]


def test_agreement_versions_are_newest_first(world: World) -> None:
    propose(world)
    propose(world, changed(schedule="Elk weekend"))
    agreement = agreement_of(world.case)
    assert agreement is not None
    assert [v.number for v in agreement_versions(agreement)] == [2, 1]


def test_a_version_id_reaches_only_its_own_subject(world: World) -> None:
    version = propose(world)
    assert agreementversion_of(world.case, version.pk) == version
    assert agreementversion_of(world.foreign_case, version.pk) is None
    assert agreement_overview(CaseFactory(), KIND, world.parent).agreement is None


def test_the_form_has_the_kinds_sections_and_asks_what_changed_only_for_a_change() -> None:
    first = AgreementForm(kind=KIND)
    assert list(first.fields) == ["schedule", "house_rules", "who_to_call"]
    change = AgreementForm(kind=Agreement.Kind.JIM, current={"meetings": "Elke week"})
    assert list(change.fields) == [
        "pass_on_parents",
        "pass_on_professional",
        "meetings",
        "reach_professional",
        "change_note",
    ]
    assert change["meetings"].initial == "Elke week"
    bound = AgreementForm({"agreement-schedule": "Elk weekend"}, kind=KIND)
    assert not bound.is_valid() and set(bound.errors) == {"house_rules", "who_to_call"}


def test_the_jim_partial_shows_the_safety_clause_on_top(world: World) -> None:
    texts = {section.key: f"Tekst {section.key}" for section in KINDS[Agreement.Kind.JIM].sections}
    agreementversion_propose(
        agreement_subject=world.young_person,
        kind=Agreement.Kind.JIM,
        proposed_by=world.professional,
        sections=texts,
        signatories=[(world.young_person_user, SignatoryParty.YOUNG_PERSON), (world.mentor, SignatoryParty.MENTOR)],
    )
    overview = agreement_overview(world.young_person, Agreement.Kind.JIM, world.mentor)
    html = render_to_string(
        "agreements/_agreement.html",
        {"agreement": overview, "agreement_agree_url": "/akkoord/", "agreement_propose_url": "/voorstel/"},
    )
    clause = str(JIM_SAFETY_CLAUSE)
    assert clause in html
    assert html.index(clause) < html.index("Tekst pass_on_parents")
    assert 'name="version"' in html, "the mentor has not agreed yet"


pytestmark_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytestmark_pg
@pytest.mark.django_db(transaction=True)
def test_simultaneous_last_yeses_put_the_version_in_force_exactly_once() -> None:
    from tests.factories import YoungPersonFactory

    people = [UserFactory() for _ in range(6)]
    subject = YoungPersonFactory()
    version = agreementversion_propose(
        agreement_subject=subject,
        kind=KIND,
        proposed_by=people[0],
        sections=changed(),
        signatories=[(user, SignatoryParty.PARENT) for user in people],
    )
    start = threading.Barrier(len(people))
    results: list[AgreementVersion] = []
    unexpected: list[BaseException] = []

    def agree(user: User) -> None:
        try:
            start.wait(timeout=10)
            results.append(agreementversion_agree(version=version, user=user))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            unexpected.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=agree, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not unexpected, unexpected
    in_force = [result for result in results if result.in_force_at is not None]
    assert len(in_force) == 1, "exactly one call saw the last yes"
    stored = AgreementVersion.objects.get(pk=version.pk)
    assert stored.in_force_at == max(
        cast(
            "Iterable[datetime]", AgreementSignature.objects.filter(version=version).values_list("agreed_at", flat=True)
        )
    )
