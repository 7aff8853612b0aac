"""Issue #17: linking a parent safely (an existing account confirms first; another role needs an extra step) and the
18th birthday (from then on the young adult decides which parent looks along)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import Role, User
from messaging.models import Conversation, Member
from messaging.services import membership
from tests.builders.mentors import _to_accepted, nominated
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    UserFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    user_with_role,
)
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from youth import selectors, services
from youth.ages import adult_born_by, adult_on, age_on
from youth.forms import GuardianAddForm
from youth.models import AdulthoodStep, Guardianship, ParentAccessDecision, YoungPerson
from youth.parties import (
    Party,
    counting_guardianships,
    guardianship_counts,
    is_custodial_parent,
    party_user_queryset,
)
from youth.selectors import consent_parties_required, consent_tasks_for, youngperson_visible_to

TASK = "youth.tasks.adulthood_begin_task"


def ask(world: World, person: User, *, young_person: YoungPerson | None = None, **kwargs: Any) -> Guardianship:
    """The professional links `person` (an existing account) as parent with custody of Sanne."""
    arguments: dict[str, Any] = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "kind": Guardianship.Kind.PARENT,
        "has_custody": True,
    }
    return services.guardian_add(
        actor=world.professional, young_person=young_person or world.young_person, **(arguments | kwargs)
    )


def record_status(client: Client, user: User, young_person: YoungPerson) -> int:
    client.force_login(user)
    return client.get(reverse("youth:youngperson_detail", args=[young_person.pk])).status_code


def bodies(outbox: list[Any]) -> str:
    return "\n".join(f"{m.subject}\n{m.body}" for m in outbox)


# --- Part A: the form ----------------------------------------------------------------------------------------------


def test_custody_is_never_preticked_and_must_be_chosen(world: World, client: Client) -> None:
    client.force_login(world.professional)
    url = reverse("youth:guardian_add", args=[world.young_person.pk])
    page = client.get(url).content.decode()
    assert 'name="has_custody"' in page and "checked" not in page
    assert GuardianAddForm().fields["has_custody"].initial is None
    data = {"first_name": "Joost", "last_name": "", "email": "joost@test.example", "kind": "parent"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "has_custody" in response.context["form"].errors
    assert not User.objects.filter(email="joost@test.example").exists()
    assert client.post(url, {**data, "has_custody": "no"}).status_code == 302
    assert Guardianship.objects.get(guardian__email="joost@test.example").has_custody is False


def test_a_new_email_is_linked_at_once_with_a_welcome_email(world: World) -> None:
    guardianship = services.guardian_add(
        actor=world.professional,
        young_person=world.young_person,
        first_name="Joost",
        last_name="",
        email="joost@test.example",
        kind=Guardianship.Kind.PARENT,
        has_custody=True,
    )
    assert guardianship.status == Guardianship.Status.CONFIRMED
    assert guardianship.requested_by == world.professional
    assert is_custodial_parent(guardianship.guardian, world.young_person.pk)


# --- Part A: an existing account waits for its own yes ------------------------------------------------------------


def test_an_existing_account_waits_and_sees_nothing_until_yes(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    person = UserFactory(first_name="Ruud")  # someone with an account, no part in Sanne's life
    conversation = membership.conversation_with_parent(actor=world.professional, case=world.case, parent=world.parent)
    with django_capture_on_commit_callbacks(execute=True):
        guardianship = ask(world, person)
    assert guardianship.status == Guardianship.Status.WAITING
    # Nothing of Sanne: no record, no chat, no consent question, no notices, no parent part.
    assert record_status(client, person, world.young_person) == 404
    assert client.get(reverse("youth:consent", args=[world.young_person.pk])).status_code == 404
    assert not is_custodial_parent(person, world.young_person.pk)
    assert person not in party_user_queryset(world.case, Party.PARENT)
    assert person not in consent_parties_required(young_person=world.young_person).custodial_parents
    assert consent_tasks_for(person) == []
    with pytest.raises(PermissionDenied):
        membership.conversation_with_parent(actor=world.professional, case=world.case, parent=person)
    assert not Member.objects.filter(conversation=conversation, user=person).exists()
    assert not person.roles.filter(role=Role.PARENT).exists()
    # The question reaches the person, without the child's name; the professional's page says it waits.
    [notice] = mail.outbox
    assert notice.to == [person.email]
    assert reverse("youth:guardianship_confirm", args=[guardianship.pk]) in notice.body
    assert "Sanne" not in bodies(mail.outbox)
    assert selectors.guardianship_requests_for(person) == [guardianship]
    client.force_login(world.professional)
    page = client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk])).content.decode()
    assert "Wacht op bevestiging van Ruud" in page
    # The parent of the child does not see another person's request.
    client.force_login(world.parent)
    page = client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk])).content.decode()
    assert "Ruud" not in page


def test_yes_links_the_parent(world: World, client: Client, django_capture_on_commit_callbacks: Any) -> None:
    person = UserFactory(first_name="Ruud")
    guardianship = ask(world, person)
    client.force_login(person)
    url = reverse("youth:guardianship_confirm", args=[guardianship.pk])
    page = client.get(url).content.decode()
    assert "Ben jij de ouder van Sanne?" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"answer": "yes"})
    assert response["Location"] == reverse("youth:youngperson_detail", args=[world.young_person.pk])
    guardianship.refresh_from_db()
    assert guardianship.status == Guardianship.Status.CONFIRMED and guardianship.answered_at is not None
    assert record_status(client, person, world.young_person) == 200
    assert is_custodial_parent(person, world.young_person.pk)
    assert person in consent_parties_required(young_person=world.young_person).custodial_parents
    assert person.roles.filter(role=Role.PARENT).exists()
    conversation = membership.conversation_with_parent(actor=world.professional, case=world.case, parent=person)
    assert Member.objects.filter(conversation=conversation, user=person, left_at__isnull=True).exists()
    assert [m.to for m in mail.outbox] == [[world.professional.email]]
    assert "Sanne" not in bodies(mail.outbox) and "Ruud" not in bodies(mail.outbox)
    # Answered: the question is gone.
    assert selectors.guardianship_requests_for(person) == []
    assert client.get(url).status_code == 404


def test_no_refuses_and_the_person_never_sees_the_young_person(
    world: World, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    person = UserFactory(first_name="Ruud")
    guardianship = ask(world, person)
    client.force_login(person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("youth:guardianship_confirm", args=[guardianship.pk]), {"answer": "no"})
    assert response["Location"] == reverse("home")
    guardianship.refresh_from_db()
    assert guardianship.status == Guardianship.Status.REFUSED
    assert record_status(client, person, world.young_person) == 404
    assert not is_custodial_parent(person, world.young_person.pk)
    assert [m.to for m in mail.outbox] == [[world.professional.email]]
    assert "Sanne" not in bodies(mail.outbox)
    assert client.get(reverse("youth:guardianship_confirm", args=[guardianship.pk])).status_code == 404
    with pytest.raises(ValidationError, match="zei eerder dat hij of zij geen ouder"):
        ask(world, person)
    client.force_login(world.professional)
    page = client.get(reverse("youth:youngperson_detail", args=[world.young_person.pk])).content.decode()
    assert "niet de ouder" in page


def test_only_the_asked_person_answers_and_only_once(world: World) -> None:
    person = UserFactory()
    guardianship = ask(world, person)
    with pytest.raises(PermissionDenied):
        services.guardianship_confirm(actor=world.parent, guardianship=guardianship)
    services.guardianship_refuse(actor=person, guardianship=guardianship)
    with pytest.raises(ValidationError):
        services.guardianship_confirm(actor=person, guardianship=guardianship)
    assert not is_custodial_parent(person, world.young_person.pk)


@pytest.mark.parametrize("part", ["professional", "coordinator", "mentor"])
def test_another_role_in_the_young_persons_life_needs_the_extra_box(world: World, client: Client, part: str) -> None:
    if part == "professional":
        person = user_with_role(Role.PROFESSIONAL, world.organisation, first_name="Joris")
        assign(world.case, person, lead=False)
        label = "professional van een traject"
    elif part == "coordinator":
        person, label = world.coordinator, "coördinator"
    else:
        _to_accepted(world, nominated(world))  # Karin (world.mentor) accepted to be Sanne's mentor
        person, label = world.mentor, "mentor of maatje"
    with pytest.raises(ValidationError) as refused:
        ask(world, person)
    assert "other_role_confirmed" in refused.value.message_dict
    assert not Guardianship.objects.filter(guardian=person).exists()
    # In the page: the box appears with the reason, and ticking it asks the person (who must still say yes).
    client.force_login(world.professional)
    url = reverse("youth:guardian_add", args=[world.young_person.pk])
    data = {"first_name": "X", "last_name": "", "email": person.email, "kind": "parent", "has_custody": "yes"}
    page = client.post(url, data).content.decode()
    assert 'type="checkbox" name="other_role_confirmed"' in page and label in page
    assert client.post(url, {**data, "other_role_confirmed": "on"}).status_code == 302
    guardianship = Guardianship.objects.get(guardian=person)
    assert guardianship.status == Guardianship.Status.WAITING and guardianship.other_role_acknowledged
    assert not is_custodial_parent(person, world.young_person.pk)


def test_no_extra_box_for_someone_with_a_role_elsewhere(world: World) -> None:
    # The outsider is a professional of another young person's case: no part in Sanne's life.
    guardianship = ask(world, world.outsider, other_role_confirmed=True)
    assert guardianship.status == Guardianship.Status.WAITING and not guardianship.other_role_acknowledged


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("young_person_user", "eigen account"),
        ("parent", "al gekoppeld"),
        ("asked", "al gevraagd"),
        ("inactive", "uitgezet"),
    ],
)
def test_clear_errors(world: World, client: Client, who: str, message: str) -> None:
    if who == "asked":
        person = UserFactory()
        ask(world, person)
    elif who == "inactive":
        person = UserFactory(is_active=False)
    else:
        person = world.by_role(who)
    client.force_login(world.professional)
    url = reverse("youth:guardian_add", args=[world.young_person.pk])
    assert person.email is not None
    data = {"first_name": "X", "last_name": "", "email": person.email.upper(), "kind": "parent", "has_custody": "yes"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["email"])
    assert Guardianship.objects.filter(guardian=person).count() == (
        0 if who in ("young_person_user", "inactive") else 1
    )


def test_only_who_works_on_the_case_links_a_parent(world: World) -> None:
    with pytest.raises(PermissionDenied):
        services.guardian_add(
            actor=world.outsider,
            young_person=world.young_person,
            first_name="X",
            last_name="",
            email="x@test.example",
            kind=Guardianship.Kind.PARENT,
            has_custody=True,
        )


# --- Permissions of the new pages ---------------------------------------------------------------------------------


@pytest.fixture
def requests(world: World) -> dict[bool, Guardianship]:
    """Own: Sanne's question to Karin (the mentor persona). Foreign: Mees's question to someone outside the cast."""
    own = Guardianship.objects.create(
        young_person=world.young_person, guardian=world.mentor, status=Guardianship.Status.WAITING
    )
    foreign = Guardianship.objects.create(
        young_person=world.foreign_young_person, guardian=UserFactory(), status=Guardianship.Status.WAITING
    )
    return {True: own, False: foreign}


CONFIRM_VIEWS = [
    ("confirm page", "get", expect(HIDDEN, mentor=OK), expect(HIDDEN)),
    ("confirm answer", "post", expect(HIDDEN, mentor=REDIRECT), expect(HIDDEN)),
]


@pytest.mark.parametrize(("view", "method", "persona", "own", "expected"), role_matrix(CONFIRM_VIEWS))
def test_the_confirm_page_is_for_the_asked_person_only(
    world: World,
    client: Client,
    requests: dict[bool, Guardianship],
    view: str,
    method: str,
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    url = reverse("youth:guardianship_confirm", args=[requests[own].pk])
    response = getattr(client, method)(url, {"answer": "no"} if method == "post" else None)
    assert response.status_code == expected


def _own_young_person(world: World, own: bool) -> YoungPerson:
    return world.young_person if own else world.foreign_young_person


PARENT_ACCESS_VIEWS = [
    (
        "who may look along",
        "get",
        lambda w, own: reverse("youth:parent_access", args=[_own_young_person(w, own).pk]),
        expect(HIDDEN, young_person_user=OK, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=FORBIDDEN),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
    (
        "decide about a parent",
        "post",
        lambda w, own: reverse(
            "youth:parent_access_decide",
            args=[_own_young_person(w, own).pk, add_guardian(w.foreign_young_person, UserFactory()).pk]
            if not own
            else [w.young_person.pk, w.young_person.guardianships.get().pk],
        ),
        expect(HIDDEN, young_person_user=REDIRECT, parent=FORBIDDEN, professional=FORBIDDEN, coordinator=FORBIDDEN),
        expect(HIDDEN, outsider=FORBIDDEN),
    ),
]


@pytest.mark.parametrize(("view", "method", "url", "persona", "own", "expected"), role_matrix(PARENT_ACCESS_VIEWS))
def test_the_parent_access_page_is_the_young_persons_own(
    world: World,
    client: Client,
    view: str,
    method: str,
    url: Callable[[World, bool], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    response = getattr(client, method)(url(world, own), {"decision": "revoke"} if method == "post" else None)
    assert response.status_code == expected
    # Sanne is 15: nobody changes who looks along yet.
    assert not ParentAccessDecision.objects.exists()


# --- Part B: the 18th birthday, with a clock ------------------------------------------------------------------------


@contextmanager
def clock(moment: datetime) -> Iterator[None]:
    """Django's clock at `moment` (aware): every `timezone.now()` and `timezone.localdate()` reads it."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def at(day: date, hour: int = 0, minute: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def turning_18(world: World) -> YoungPerson:
    """Sanne turns 18 in three days; her mother Marieke has custody and a conversation with the professional."""
    YoungPerson.objects.filter(pk=world.young_person.pk).update(
        date_of_birth=born_years_ago(18, days_after_birthday=-3)
    )
    world.young_person.refresh_from_db()
    membership.conversation_with_parent(actor=world.professional, case=world.case, parent=world.parent)
    return world.young_person


def parent_in_chat(world: World) -> bool:
    conversation = Conversation.objects.get(case=world.case, parent=world.parent)
    return Member.objects.filter(conversation=conversation, user=world.parent, left_at__isnull=True).exists()


def test_the_age_rule_of_the_query_and_of_python_agree_around_birthdays() -> None:
    for born in (date(2008, 2, 29), date(2008, 3, 1), date(2008, 2, 28), date(2007, 12, 31)):
        for offset in range(-2, 3):
            day = adult_on(born) + timedelta(days=offset)
            assert (age_on(born, day) >= 18) == (born <= adult_born_by(day)), (born, day)
    assert adult_on(date(2008, 2, 29)) == date(2026, 3, 1)
    assert adult_born_by(date(2028, 2, 29)) == date(2010, 2, 28)


@pytest.mark.django_db(transaction=True)
def test_on_the_18th_birthday_the_parent_stops_seeing_until_the_young_adult_grants(
    world: World, client: Client, turning_18: YoungPerson, mailoutbox: list[Any]
) -> None:
    sanne, marieke = turning_18, world.parent
    birthday = adult_on(sanne.date_of_birth)
    # Before 18 the parent sees the record and takes part in the chat.
    assert record_status(client, marieke, sanne) == 200
    assert parent_in_chat(world)
    # The task waits for the birthday, 00:05.
    services.adulthood_plan(young_person=sanne)
    [task] = DBTaskResult.objects.filter(task_path=TASK)
    assert timezone.localtime(task.run_after) == at(birthday, 0, 5)
    assert task.args_kwargs["args"] == [sanne.pk]
    mailoutbox.clear()
    with clock(at(birthday - timedelta(days=1), 23, 50)):
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        assert not AdulthoodStep.objects.exists()
        assert record_status(client, marieke, sanne) == 200
    with clock(at(birthday)):
        # The rule itself moves at midnight: no record for the parent, whether the task ran or not.
        assert record_status(client, marieke, sanne) == 404
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
        assert AdulthoodStep.objects.filter(young_person=sanne).exists()
        assert not parent_in_chat(world)
        assert not is_custodial_parent(marieke, sanne.pk)
        assert record_status(client, marieke, sanne) == 404
        # Both are told, in plain words, without names of others.
        told = {m.to[0]: m for m in mailoutbox}
        assert set(told) == {marieke.email, world.young_person_user.email}
        assert "18" in told[marieke.email].subject and "18" in told[world.young_person_user.email].subject
        assert reverse("youth:parent_access", args=[sanne.pk]) in told[world.young_person_user.email].body
        for name in ("Sanne", marieke.first_name, marieke.last_name):
            assert name not in bodies(mailoutbox)
        # Sanne lets her mother look along: record and chat again; then she revokes: gone again.
        mailoutbox.clear()
        client.force_login(world.young_person_user)
        page = client.get(reverse("youth:parent_access", args=[sanne.pk])).content.decode()
        assert marieke.get_full_name() in page and "Mag niet meekijken" in page
        guardianship = sanne.guardianships.get(guardian=marieke)
        decide = reverse("youth:parent_access_decide", args=[sanne.pk, guardianship.pk])
        assert client.post(decide, {"decision": "grant"}).status_code == 302
        assert record_status(client, marieke, sanne) == 200
        assert parent_in_chat(world)
        client.force_login(world.young_person_user)
        assert client.post(decide, {"decision": "revoke"}).status_code == 302
        assert record_status(client, marieke, sanne) == 404
        assert not parent_in_chat(world)
        assert [(d.granted, d.decided_by_id) for d in ParentAccessDecision.objects.order_by("pk")] == [
            (True, world.young_person_user.pk),
            (False, world.young_person_user.pk),
        ]
        assert [m.to for m in mailoutbox] == [[marieke.email], [marieke.email]]
        assert "Sanne" not in bodies(mailoutbox)
        # The task again (a second run, or the sweep) changes nothing and tells nobody again.
        mailoutbox.clear()
        assert services.adulthood_begin(young_person_id=sanne.pk) is False
        services.adulthood_plan_all()  # plans Mees, who has no task yet; not Sanne again
        assert sanne.pk not in selectors.adulthood_queued_ids()
        assert mailoutbox == []


def test_a_grant_before_18_is_refused_and_nothing_changes(world: World) -> None:
    guardianship = world.young_person.guardianships.get()
    with pytest.raises(ValidationError, match="18e verjaardag"):
        services.parent_access_grant(actor=world.young_person_user, guardianship=guardianship)
    with pytest.raises(PermissionDenied):
        services.parent_access_grant(actor=world.parent, guardianship=guardianship)
    assert is_custodial_parent(world.parent, world.young_person.pk)


def test_only_the_young_adult_decides(world: World, turning_18: YoungPerson) -> None:
    guardianship = turning_18.guardianships.get()
    with clock(at(adult_on(turning_18.date_of_birth))):
        for someone in (world.parent, world.professional, world.coordinator):
            with pytest.raises(PermissionDenied):
                services.parent_access_grant(actor=someone, guardianship=guardianship)
        services.parent_access_grant(actor=world.young_person_user, guardianship=guardianship)
        with pytest.raises(ValidationError):
            services.parent_access_grant(actor=world.young_person_user, guardianship=guardianship)


def test_a_task_that_runs_early_plans_itself_again(world: World, turning_18: YoungPerson) -> None:
    # The date of birth was corrected after the task was queued: it runs, finds Sanne 17, and waits for the new day.
    assert services.adulthood_begin(young_person_id=turning_18.pk) is False
    [task] = DBTaskResult.objects.filter(task_path=TASK)
    assert timezone.localtime(task.run_after).date() == adult_on(turning_18.date_of_birth)
    assert not AdulthoodStep.objects.exists()


def test_registering_plans_the_birthday_and_the_sweep_covers_older_records(world: World) -> None:
    case = services.youngperson_register(
        actor=world.professional,
        organisation=world.organisation,
        first_name="Tim",
        last_name="",
        date_of_birth=born_years_ago(14),
        residence_municipality=world.young_person.residence_municipality,
        paying_municipality=world.young_person.paying_municipality,
        home_place="Leiden",
        home_postcode="",
        languages=[],
        threatened_out_of_home_placement=False,
    )
    [task] = DBTaskResult.objects.filter(task_path=TASK)
    assert task.args_kwargs["args"] == [case.young_person_id]
    assert timezone.localtime(task.run_after) == at(adult_on(case.young_person.date_of_birth), 0, 5)
    # Records from before the task (the world's Sanne and Mees) get theirs from the sweep, once.
    assert selectors.adulthood_queued_ids() == {case.young_person_id}
    assert services.adulthood_plan_all() == YoungPerson.objects.count() - 1
    assert services.adulthood_plan_all() == 0
    assert selectors.adulthood_queued_ids() == set(YoungPerson.objects.values_list("pk", flat=True))


def test_an_adult_registered_with_a_parent_added_later(world: World, client: Client) -> None:
    adult = YoungPersonFactory(date_of_birth=born_years_ago(19))
    case = assign(CaseFactory(young_person=adult, organisation=world.organisation), world.professional)
    services.guardian_add(
        actor=world.professional,
        young_person=adult,
        first_name="Els",
        last_name="",
        email="els@test.example",
        kind=Guardianship.Kind.PARENT,
        has_custody=True,
    )
    els = User.objects.get(email="els@test.example")
    assert els not in party_user_queryset(case, Party.PARENT)
    assert record_status(client, els, adult) == 404
    client.force_login(world.professional)
    page = client.get(reverse("youth:youngperson_detail", args=[adult.pk])).content.decode()
    assert "18 jaar of ouder" in page


def test_the_list_and_the_one_object_forms_of_the_rule_agree(world: World) -> None:
    """`counting_guardianships` (a query) and `guardianship_counts` (on rows read) say the same for every state."""
    people = []
    for status in Guardianship.Status.values:
        for years in (17, 18):
            for granted in (None, timezone.now()):
                child = YoungPersonFactory(date_of_birth=born_years_ago(years))
                g = Guardianship.objects.create(
                    young_person=child,
                    guardian=UserFactory(),
                    status=status,
                    adult_access_granted_at=granted,
                )
                people.append(g)
    counted = set(counting_guardianships().filter(pk__in=[g.pk for g in people]).values_list("pk", flat=True))
    for g in people:
        assert (g.pk in counted) == guardianship_counts(g, date_of_birth=g.young_person.date_of_birth)
    assert len(counted) == 3  # confirmed: the one of 17 (either way), and the one of 18 with a grant
    assert youngperson_visible_to(people[0].guardian).count() == 0  # a waiting one sees nothing


def test_a_parent_who_confirms_for_a_young_adult_still_waits_for_the_young_adults_choice(
    world: World, client: Client
) -> None:
    adult = YoungPersonFactory(date_of_birth=born_years_ago(18), user=user_with_role(Role.YOUNG_PERSON))
    assign(CaseFactory(young_person=adult, organisation=world.organisation), world.professional)
    person = UserFactory()
    guardianship = ask(world, person, young_person=adult)
    client.force_login(person)
    response = client.post(reverse("youth:guardianship_confirm", args=[guardianship.pk]), {"answer": "yes"})
    assert response["Location"] == reverse("home")
    assert record_status(client, person, adult) == 404
    assert adult.user is not None
    services.parent_access_grant(actor=adult.user, guardianship=guardianship)
    assert record_status(client, person, adult) == 200


def test_the_parent_access_page_costs_the_same_for_any_number_of_parents(world: World, client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    YoungPerson.objects.filter(pk=world.young_person.pk).update(date_of_birth=born_years_ago(19))
    client.force_login(world.young_person_user)
    url = reverse("youth:parent_access", args=[world.young_person.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    queries()  # the first page of a session fills caches (menus, counts) that later pages read
    one = queries()
    for _n in range(3):
        add_guardian(world.young_person, UserFactory())
    assert queries() == one
