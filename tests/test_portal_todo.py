"""The home page's "Nu te doen" (issue 17): per role what waits for the person, each with one button to a page they
may open, gone once done; the menu's badge equals the list on every page; constant queries per role. Rob's home
(a buddy whose signature is pending) and Joost's ("1 ding te doen" over an empty list) are rebuilt with factories."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from agreements.models import AgreementSignature
from hostfamilies import services as hostfamily_services
from matching import services as matching_services
from matching.models import Proposal, ProposalStatus
from mentors import services as mentor_services
from mentors.models import CheckIn, Mandate, Mentorship
from mentors.states import State
from portal.todo import TodoItem, todo_for, todo_for_mentor, todo_for_parent, todo_for_volunteer, todo_for_young_person
from tests.builders.hostfamilies import ready_family
from tests.builders.matching import running_match
from tests.builders.mentors import JIM_TEXTS, mentorship_at
from tests.builders.training import CourseFactory, SessionFactory, ThemedCourseFactory, enrol
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    UserFactory,
    VolunteerFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    buddy_request_for,
    give_all_consents,
    ready_volunteer,
    user_with_role,
)
from training.models import CourseCompletion, Enrolment
from volunteers.models import Outcome, Reference, VogCheck, Volunteer, VolunteerKind
from volunteers.selectors import volunteer_readiness, with_readiness_data
from youth import services as youth_services
from youth.models import Consent, Guardianship

TODAY = timezone.localdate()
EMPTY_NL = "Er is nu niets voor jou te doen."
ITEM = re.compile(r'<li class="todo-item" data-kind="([^"]+)">\s*<p>(.*?)</p>\s*<a class="button" href="([^"]+)">')
BADGE = re.compile(r'<span class="badge todo-count">(\d+) ')


def kinds(user: User) -> list[str]:
    return [item.kind for item in todo_for(user)]


def home_page(client: Client, user: User) -> tuple[str, list[tuple[str, str, str]], int]:
    """The home page as `user` sees it: its HTML, its to-do items (kind, sentence, url) and the badge's number."""
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    badge = BADGE.search(html)
    return html, ITEM.findall(html), int(badge.group(1)) if badge else 0


def opens(client: Client, user: User, items: list[TodoItem]) -> None:
    """Every item's button leads to a page that this user may open."""
    client.force_login(user)
    for item in items:
        path = item.url.split("#")[0]
        assert client.get(path).status_code == 200, item


def young_person_with_account(age: int = 14) -> tuple[User, User, Any]:
    """A young person of `age` with an account and a parent with custody, with an open case; nobody said yes yet."""
    organisation_professional = user_with_role(Role.PROFESSIONAL)
    own = user_with_role(Role.YOUNG_PERSON, first_name="Daan")
    parent = user_with_role(Role.PARENT, first_name="Joyce")
    young_person = YoungPersonFactory(first_name="Daan", user=own, date_of_birth=born_years_ago(age))
    add_guardian(young_person, parent)
    assign(CaseFactory(young_person=young_person), organisation_professional)
    return own, parent, young_person


# --- The empty state and the badge ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["young_person_user", "parent", "mentor", "volunteer"])
def test_nothing_to_do_says_so_and_shows_no_badge(world: World, client: Client, persona: str) -> None:
    user = world.by_role(persona)
    assert todo_for(user) == []
    html, items, badge = home_page(client, user)
    assert (items, badge) == ([], 0)
    assert EMPTY_NL in html
    assert "todo-count" not in html


@pytest.mark.parametrize("persona", ["professional", "coordinator", "analyst", "admin"])
def test_staff_keep_their_own_sections_without_a_to_do_list(world: World, client: Client, persona: str) -> None:
    user = world.by_role(persona)
    html, items, badge = home_page(client, user)
    assert (items, badge) == ([], 0)
    assert EMPTY_NL not in html and 'id="todo-title"' not in html


def test_the_badge_equals_the_list_on_every_page(world: World, client: Client) -> None:
    own, parent, _young_person = young_person_with_account()
    for user in (own, parent):
        _html, items, badge = home_page(client, user)
        assert badge == len(items) == len(todo_for(user)) == 1
        # The menu is on every page: the same number on another page.
        other = client.get(reverse("mentors:list")).content.decode()
        shown = BADGE.search(other)
        assert shown is not None
        assert int(shown.group(1)) == badge


def test_the_list_is_in_dutch_with_one_button_each(world: World, client: Client) -> None:
    own, parent, _young_person = young_person_with_account()
    _html, items, _badge = home_page(client, parent)
    assert items == [
        ("consent", "Dichtbij vraagt om je toestemming voor Daan (2 vragen).", items[0][2]),
    ]
    _html, items, _badge = home_page(client, own)
    assert [text for _kind, text, _url in items] == ["Dichtbij vraagt om je toestemming (2 vragen)."]


# --- Each kind of item: shown when it should be, gone when done ----------------------------------------------------


@pytest.mark.parametrize("answer", ["confirm", "refuse"])
def test_the_question_whether_someone_is_the_parent_waits_until_answered(
    world: World, client: Client, answer: str
) -> None:
    # Asked of an existing account that holds no role: not a parent yet, and still asked on its home page.
    person = UserFactory(first_name="Ruud")
    assert person.email is not None
    guardianship = youth_services.guardian_add(
        actor=world.professional,
        young_person=world.young_person,
        first_name=person.first_name,
        last_name=person.last_name,
        email=person.email,
        kind=Guardianship.Kind.PARENT,
        has_custody=True,
    )
    html, items, badge = home_page(client, person)
    assert [kind for kind, _text, _url in items] == ["parent_question"] and badge == 1
    assert world.young_person.first_name not in html, "the question names no child on the home page"
    opens(client, person, todo_for(person))
    getattr(youth_services, f"guardianship_{answer}")(actor=person, guardianship=guardianship)
    assert "parent_question" not in kinds(person)


def test_consent_waits_for_the_young_person_and_the_parent_until_they_answer(world: World, client: Client) -> None:
    own, parent, young_person = young_person_with_account(age=14)
    assert [i.kind for i in todo_for_young_person(own)] == ["consent"]
    assert [i.kind for i in todo_for_parent(parent)] == ["consent"]
    # A young person's own questions are not the parent's, and the other way round.
    assert todo_for_parent(own) == [] and todo_for_young_person(parent) == []
    opens(client, own, todo_for(own))
    opens(client, parent, todo_for(parent))
    give_all_consents(young_person)
    assert kinds(own) == [] and kinds(parent) == []


def test_under_12_only_the_parent_is_asked(world: World) -> None:
    own, parent, _young_person = young_person_with_account(age=10)
    assert kinds(own) == []
    assert kinds(parent) == ["consent"]


def test_the_mandate_waits_for_the_young_person_and_the_parent(world: World, client: Client) -> None:
    mentorship = mentorship_at(world, State.MANDATE)
    for user in (world.young_person_user, world.parent):
        assert kinds(user) == ["mandate"]
        opens(client, user, todo_for(user))
    assert "Karin" in todo_for(world.young_person_user)[0].text
    mentor_services.mandate_give(actor=world.parent, mentorship=mentorship, decision=Mandate.Decision.YES)
    assert kinds(world.parent) == []
    assert kinds(world.young_person_user) == ["mandate"]
    mentor_services.mandate_give(actor=world.young_person_user, mentorship=mentorship, decision=Mandate.Decision.YES)
    assert kinds(world.young_person_user) == []


def test_from_16_the_parent_gives_no_mandate(world: World) -> None:
    world.young_person.date_of_birth = born_years_ago(16)
    world.young_person.save()
    mentorship_at(world, State.MANDATE)
    assert kinds(world.young_person_user) == ["mandate"]
    assert kinds(world.parent) == []


def test_the_jim_agreement_waits_for_each_signatory_until_they_agree(world: World, client: Client) -> None:
    mentorship = mentorship_at(world, State.AGREEMENT)
    assert kinds(world.mentor) == []
    version = mentor_services.mentorship_agreement_propose(
        actor=world.professional, mentorship=mentorship, sections=dict(JIM_TEXTS)
    )
    for user in (world.young_person_user, world.parent, world.mentor):
        assert kinds(user) == ["agreement"], user
        opens(client, user, todo_for(user))
    # The professional's home keeps its own sections: no to-do list.
    assert todo_for(world.professional) == []
    version = mentor_services.mentorship_agreement_agree(actor=world.mentor, mentorship=mentorship, version=version)
    assert kinds(world.mentor) == []
    assert kinds(world.parent) == ["agreement"]
    # A newer version replaces the one waiting: still one item, for the newest.
    mentor_services.mentorship_agreement_propose(
        actor=world.professional,
        mentorship=mentorship,
        sections=JIM_TEXTS | {"meetings": "Elke week."},
        change_note="Vaker",
    )
    assert kinds(world.parent) == ["agreement"] and kinds(world.mentor) == ["agreement"]


def test_a_stopped_mentorship_asks_nothing_more(world: World) -> None:
    mentorship = mentorship_at(world, State.AGREEMENT)
    mentor_services.mentorship_agreement_propose(
        actor=world.professional, mentorship=mentorship, sections=dict(JIM_TEXTS)
    )
    mentor_services.mentorship_move(actor=world.professional, mentorship=mentorship, move="stop", reason="Verhuisd")
    assert AgreementSignature.objects.filter(user=world.mentor, agreed_at__isnull=True).exists()
    assert kinds(world.mentor) == [] and kinds(world.parent) == []


def test_a_supporter_is_not_sent_to_a_paused_page(world: World, client: Client) -> None:
    mentorship = mentorship_at(world, State.AGREEMENT)
    mentor_services.mentorship_agreement_propose(
        actor=world.professional, mentorship=mentorship, sections=dict(JIM_TEXTS)
    )
    assert kinds(world.mentor) == ["agreement"]
    Consent.objects.filter(young_person=world.young_person, given_as=Consent.GivenAs.CUSTODIAL_PARENT).update(
        withdrawn_at=timezone.now()
    )
    assert kinds(world.mentor) == []
    # The parent sees through their own part, not through the sharing consent.
    assert "agreement" in kinds(world.parent)


def test_the_check_in_is_on_the_mentors_list_when_due(world: World, client: Client) -> None:
    mentorship = mentorship_at(world, State.ACTIVE)
    planned = CheckIn.objects.get(mentorship=mentorship, held_on__isnull=True)
    assert planned.due_on > TODAY + timedelta(weeks=1)
    assert kinds(world.mentor) == []
    CheckIn.objects.filter(pk=planned.pk).update(due_on=TODAY + timedelta(days=3))
    assert kinds(world.mentor) == ["checkin"]
    opens(client, world.mentor, todo_for(world.mentor))
    mentor_services.checkin_record(actor=world.professional, mentorship=mentorship, held_on=TODAY, note="Goed gesprek")
    assert kinds(world.mentor) == []


def test_a_support_family_to_choose_waits_for_the_parent_and_the_young_person(world: World, client: Client) -> None:
    for _n in range(3):
        ready_family(world.organisation)
    request = hostfamily_services.supportrequest_create(
        actor=world.coordinator, case=world.case, organisation=world.organisation, what_for="Rust in het weekend"
    )
    matching_services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    assert kinds(world.parent) == []  # suggested, not yet shown
    shown = matching_services.proposal_round_show(actor=world.coordinator, support_request=request)
    for user in (world.parent, world.young_person_user):
        assert kinds(user) == ["choose"]
        opens(client, user, todo_for(user))
    assert "Sanne" in todo_for(world.parent)[0].text
    chosen = matching_services.proposal_choose(actor=world.parent, proposal=shown[0])
    assert kinds(world.parent) == [] and kinds(world.young_person_user) == []
    # Now the chosen family is asked, until they answer.
    family = chosen.volunteer.user
    assert kinds(family) == ["asked"]
    opens(client, family, todo_for(family))
    matching_services.proposal_answer(actor=family, proposal=chosen, accept=True)
    assert kinds(family) == []


def test_robs_pending_signature_as_a_buddy_is_on_his_home(world: World, client: Client) -> None:
    """Rob is a buddy (a volunteer, no mentor role): chosen, approved, and the agreement waits for his yes."""
    rob = ready_volunteer(world.organisation, user=user_with_role(Role.VOLUNTEER, world.organisation, first_name="Rob"))
    request = buddy_request_for(world.case, world.professional)
    matching_services.proposal_round_suggest(actor=world.coordinator, support_request=request)
    shown = matching_services.proposal_round_show(actor=world.coordinator, support_request=request)
    assert kinds(world.young_person_user) == ["choose"]
    chosen = matching_services.proposal_choose(actor=world.young_person_user, proposal=shown[0])
    assert kinds(rob.user) == ["asked"]
    matching_services.proposal_answer(actor=rob.user, proposal=chosen, accept=True)
    mentorship = matching_services.proposal_approve(actor=world.coordinator, proposal=chosen)
    assert isinstance(mentorship, Mentorship)
    for user in (world.young_person_user, world.parent):
        mentor_services.mandate_give(actor=user, mentorship=mentorship, decision=Mandate.Decision.YES)
    version = mentor_services.mentorship_agreement_propose(
        actor=world.professional, mentorship=mentorship, sections=dict(JIM_TEXTS)
    )
    _html, items, badge = home_page(client, rob.user)
    assert [kind for kind, _text, _url in items] == ["agreement"] and badge == 1
    assert items[0][2] == reverse("mentors:detail", args=[mentorship.pk])
    opens(client, rob.user, todo_for(rob.user))
    mentor_services.mentorship_agreement_agree(actor=rob.user, mentorship=mentorship, version=version)
    _html, items, badge = home_page(client, rob.user)
    assert (items, badge) == ([], 0)


def test_a_support_familys_pending_signature_is_on_its_home(world: World, client: Client) -> None:
    family = ready_family(world.organisation, world.volunteer)
    match = running_match(world.coordinator, world.professional, world.parent, world.case, world.organisation, family)
    for user in (world.volunteer, world.parent):
        assert kinds(user) == ["agreement"]
        opens(client, user, todo_for(user))
    pending = AgreementSignature.objects.get(user=world.volunteer, agreed_at__isnull=True).version
    hostfamily_services.match_agreement_agree(actor=world.volunteer, match=match, version=pending)
    assert kinds(world.volunteer) == []
    assert kinds(world.parent) == ["agreement"]


# --- A volunteer's next steps --------------------------------------------------------------------------------------


def test_joosts_one_thing_to_do_is_never_over_an_empty_list(world: World, client: Client) -> None:
    """Joost is screened except for his VOG: one reason, so one item with a button, and the badge says 1."""
    joost = ready_volunteer(
        world.organisation, user=user_with_role(Role.VOLUNTEER, world.organisation, first_name="Joost")
    )
    VogCheck.objects.filter(volunteer=joost).delete()
    readiness = volunteer_readiness(joost)
    assert len(readiness.reasons) == 1
    html, items, badge = home_page(client, joost.user)
    assert [kind for kind, _text, _url in items] == ["volunteer_vog"] and badge == 1
    assert "1 ding te doen" not in html and "Er is nog 1 ding te doen" not in html
    opens(client, joost.user, todo_for(joost.user))
    VogCheck.objects.create(
        volunteer=joost, requested_on=TODAY, received_on=TODAY, issued_on=TODAY, valid_until=TODAY + timedelta(days=900)
    )
    html, items, badge = home_page(client, joost.user)
    assert (items, badge) == ([], 0)
    assert EMPTY_NL in html


def test_every_reason_of_readiness_is_an_item_with_a_button(world: World, client: Client) -> None:
    volunteer = VolunteerFactory(organisation=world.organisation, kinds=[VolunteerKind.SUPPORT_FAMILY])
    course = CourseFactory(organisation=world.organisation, for_kind=VolunteerKind.SUPPORT_FAMILY)
    loaded = with_readiness_data(Volunteer.objects.filter(pk=volunteer.pk)).get()
    readiness = volunteer_readiness(loaded)
    items = todo_for_volunteer(volunteer.user)
    assert len(items) == len(readiness.reasons) == 5
    assert [item.kind for item in items] == [
        "volunteer_intake",
        "volunteer_references",
        "volunteer_home_visit",
        "volunteer_vog",
        "training",
    ]
    assert all(item.button and item.url for item in items)
    opens(client, volunteer.user, items)
    # Each step is gone once it is done.
    Reference.objects.bulk_create(
        Reference(volunteer=volunteer, name=name, relation="buur", contact="06", outcome=Outcome.POSITIVE)
        for name in ("Piet", "Els")
    )
    assert "volunteer_references" not in kinds(volunteer.user)
    VogCheck.objects.create(volunteer=volunteer, requested_on=TODAY)
    assert "volunteer_vog_waiting" in kinds(volunteer.user)
    CourseCompletion.objects.create(volunteer=volunteer, course=course, completed_on=TODAY)
    assert "training" not in kinds(volunteer.user)


def test_a_paused_volunteer_is_asked_to_start_again_and_a_stopped_one_nothing(world: World) -> None:
    volunteer = ready_volunteer(world.organisation)
    assert kinds(volunteer.user) == []
    Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.PAUSED)
    assert kinds(volunteer.user) == ["volunteer_paused"]
    Volunteer.objects.filter(pk=volunteer.pk).update(status=Volunteer.Status.STOPPED)
    assert kinds(volunteer.user) == []


def test_an_expired_vog_asks_for_a_new_one(world: World) -> None:
    volunteer = ready_volunteer(world.organisation)
    VogCheck.objects.filter(volunteer=volunteer).update(valid_until=TODAY - timedelta(days=1))
    assert kinds(volunteer.user) == ["volunteer_vog_expired"]


def test_training_to_sign_up_for_then_coming_up(world: World, client: Client) -> None:
    volunteer = ready_volunteer(world.organisation)
    course = CourseFactory(organisation=world.organisation, title="Basistraining maatje")
    assert kinds(volunteer.user) == ["training"]
    with translation.override("en"):
        [item] = todo_for(volunteer.user)
        assert "No date is planned yet" in item.text
        session = SessionFactory(course=course)
        [item] = todo_for(volunteer.user)
        assert item.text.startswith("Sign up for the training Basistraining maatje.")
        assert item.url.endswith(f"#session-{session.pk}")
        enrolment = enrol(session, volunteer)
        [item] = todo_for(volunteer.user)
        assert item.text.startswith("You are signed up for the training Basistraining maatje on ")
        enrolment.status = Enrolment.Status.WAITING
        enrolment.save()
        [item] = todo_for(volunteer.user)
        assert item.text.startswith("You are on the waiting list")
    opens(client, volunteer.user, todo_for(volunteer.user))
    # Done: the course drops out (and the place is given back); a themed session they signed up for is coming up.
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.CANCELLED)
    CourseCompletion.objects.create(volunteer=volunteer, course=course, completed_on=TODAY)
    themed = SessionFactory(course=ThemedCourseFactory(organisation=world.organisation))
    enrol(themed, volunteer)
    assert kinds(volunteer.user) == ["training_coming_up"]
    opens(client, volunteer.user, todo_for(volunteer.user))
    Enrolment.objects.filter(session=themed).update(status=Enrolment.Status.CANCELLED)
    assert kinds(volunteer.user) == []


def test_someone_in_two_roles_sees_a_thing_once(world: World) -> None:
    """A mentor who is also a volunteer signs an agreement once."""
    from accounts.models import RoleAssignment

    mentorship = mentorship_at(world, State.AGREEMENT)
    mentor_services.mentorship_agreement_propose(
        actor=world.professional, mentorship=mentorship, sections=dict(JIM_TEXTS)
    )
    RoleAssignment.objects.create(user=world.mentor, role=Role.VOLUNTEER, organisation=world.organisation)
    # The roles are read once per user object: read them again now, and again after this test.
    world.mentor.__dict__.pop("_dichtbij_roles", None)
    try:
        assert [i.kind for i in todo_for_mentor(world.mentor)] == ["agreement"]
        assert [i.kind for i in todo_for_volunteer(world.mentor)] == ["agreement"]
        assert kinds(world.mentor) == ["agreement"]
    finally:
        world.mentor.__dict__.pop("_dichtbij_roles", None)


# --- Constant queries per role ---------------------------------------------------------------------------------------


def _count(user: User) -> tuple[int, int]:
    if hasattr(user, "_dichtbij_roles"):
        del user._dichtbij_roles
    with CaptureQueriesContext(connection) as queries:
        found = todo_for(user)
    return len(found), len(queries.captured_queries)


def test_a_parents_list_costs_the_same_queries_for_one_child_or_five(
    world: World, django_assert_max_num_queries: Any
) -> None:
    parent = user_with_role(Role.PARENT)
    children = [YoungPersonFactory(date_of_birth=born_years_ago(10)) for _n in range(5)]
    add_guardian(children[0], parent)
    items, one = _count(parent)
    assert items == 1
    for child in children[1:]:
        add_guardian(child, parent)
    del parent._dichtbij_roles  # type: ignore[attr-defined]  # the role cache accounts/selectors.py sets
    with django_assert_max_num_queries(one):
        assert len(todo_for(parent)) == 5


def test_a_young_persons_list_costs_the_same_queries_for_one_item_or_five(
    world: World, django_assert_max_num_queries: Any
) -> None:
    own, _parent, young_person = young_person_with_account(age=15)
    case = young_person.cases.get()
    items, one = _count(own)
    assert items == 1
    professional = case.assignments.get().professional
    Mentorship.objects.create(
        young_person=young_person, case=case, nominee_name="Karin", state=State.MANDATE, nominated_by=professional
    )
    coordinator = user_with_role(Role.COORDINATOR, case.organisation)
    for _n in range(3):
        family = ready_family(case.organisation)
        request = hostfamily_services.supportrequest_create(
            actor=coordinator, case=case, organisation=case.organisation, what_for="Rust"
        )
        Proposal.objects.create(
            support_request=request,
            case=case,
            volunteer=family,
            rank=1,
            score=0.5,
            distance_km=1,
            engine_version="test",
            status=ProposalStatus.SHOWN,
        )
    del own._dichtbij_roles  # type: ignore[attr-defined]  # the role cache accounts/selectors.py sets
    with django_assert_max_num_queries(one):
        assert [i.kind for i in todo_for(own)] == ["consent", "mandate", "choose", "choose", "choose"]


def test_a_mentors_list_costs_the_same_queries_for_one_check_in_or_five(
    world: World, django_assert_max_num_queries: Any
) -> None:
    mentor = user_with_role(Role.MENTOR)

    def running() -> None:
        case = assign(CaseFactory(), world.professional)
        give_all_consents(case.young_person)
        mentorship = Mentorship.objects.create(
            young_person=case.young_person,
            case=case,
            nominee_name="Karin",
            mentor=mentor,
            state=State.ACTIVE,
            nominated_by=world.professional,
        )
        CheckIn.objects.create(mentorship=mentorship, due_on=TODAY)

    running()
    items, one = _count(mentor)
    assert items == 1
    for _n in range(4):
        running()
    del mentor._dichtbij_roles  # type: ignore[attr-defined]  # the role cache accounts/selectors.py sets
    with django_assert_max_num_queries(one):
        assert kinds(mentor) == ["checkin"] * 5


def test_a_volunteers_list_costs_the_same_queries_for_one_step_or_five(
    world: World, django_assert_max_num_queries: Any
) -> None:
    volunteer = ready_volunteer(world.organisation)
    courses = [CourseFactory(organisation=world.organisation) for _n in range(5)]
    for course in courses[1:]:
        CourseCompletion.objects.create(volunteer=volunteer, course=course, completed_on=TODAY)
    SessionFactory(course=courses[0])
    items, one = _count(volunteer.user)
    assert items == 1
    CourseCompletion.objects.filter(volunteer=volunteer).delete()
    for course in courses[1:3]:
        enrol(SessionFactory(course=course), volunteer)
    del volunteer.user._dichtbij_roles  # type: ignore[attr-defined]  # the role cache accounts/selectors.py sets
    with django_assert_max_num_queries(one):
        assert kinds(volunteer.user) == ["training"] * 5


def test_the_home_page_costs_the_same_queries_however_long_the_list(world: World, client: Client) -> None:
    parent = user_with_role(Role.PARENT)
    children = [YoungPersonFactory(date_of_birth=born_years_ago(10)) for _n in range(5)]
    add_guardian(children[0], parent)
    client.force_login(parent)
    client.get(reverse("home"))  # the first request after logging in also updates the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("home"))
    for child in children[1:]:
        add_guardian(child, parent)
    with CaptureQueriesContext(connection) as five:
        html = client.get(reverse("home")).content.decode()
    assert len(ITEM.findall(html)) == 5
    assert len(five.captured_queries) == len(one.captured_queries)


def test_agreements_waiting_for_is_one_query_and_asks_only_for_the_newest_version(
    world: World, django_assert_num_queries: Any
) -> None:
    from agreements.selectors import agreements_waiting_for

    mentorship = mentorship_at(world, State.AGREEMENT)
    for number, meetings in enumerate(("Elke twee weken.", "Elke week."), start=1):
        mentor_services.mentorship_agreement_propose(
            actor=world.professional,
            mentorship=mentorship,
            sections=JIM_TEXTS | {"meetings": meetings},
            change_note="" if number == 1 else "Vaker",
        )
    with django_assert_num_queries(1):
        waiting = agreements_waiting_for(world.parent)
    assert [(row.object_id, row.party, row.version_number) for row in waiting] == [(mentorship.pk, "parent", 2)]


@pytest.mark.parametrize(
    ("age", "said"),
    [
        (13, "Jij en je ouders beslissen samen over je gegevens."),
        (16, "Je bent 16 of ouder: je beslist zelf over je gegevens."),
        (18, "Je bent 18 of ouder: alleen jij beslist over je gegevens"),
    ],
)
def test_the_young_persons_home_says_who_decides_at_their_age(
    world: World, client: Client, age: int, said: str
) -> None:
    own, parent, young_person = young_person_with_account(age)
    html, _items, _badge = home_page(client, own)
    assert said in html
    look_along = reverse("youth:parent_access", args=[young_person.pk])
    assert (look_along in html) == (age >= 18)
    parent_html, _items, _badge = home_page(client, parent)
    assert said not in parent_html and look_along not in parent_html
