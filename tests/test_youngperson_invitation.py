"""A young person's own account (#17): the link sent by SMS or email, every state of the link, who may send it, the
pages per role, and everything that waited for the young person once the account is linked (conversation history,
agreements that wait for their yes, their consent, their network map, the access log)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django import DjangoCaptureOnCommitCallbacks

from accesslog.models import AccessLogEntry
from accounts.models import Role, User
from agreements.models import Agreement, AgreementVersion
from agreements.selectors import agreement_of, agreement_overview
from agreements.services import agreementversion_agree, agreementversion_propose
from core.links import token_hash
from mentors import services as mentor_services
from mentors.models import Mentorship
from mentors.selectors import mentorship_signatories
from mentors.states import State
from messaging.models import Conversation
from messaging.selectors import conversation_visible_to
from messaging.services.membership import conversations_follow_mentorship
from messaging.services.sending import message_send
from portal.todo import todo_for
from tests.builders.concurrency import at_once, postgres_only
from tests.builders.mentors import JIM_TEXTS
from tests.conftest import World
from tests.factories import (
    CaseFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    born_years_ago,
    give_all_consents,
    user_with_role,
)
from tests.permissions import FORBIDDEN, HIDDEN, OK, REDIRECT, expect, role_matrix
from youth.invitation import selectors, services
from youth.models import NetworkPerson, YoungPerson, YoungPersonInvitation
from youth.selectors import consent_tasks_for


@pytest.fixture
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def tim_of(world: World, *, age: int = 14) -> YoungPerson:
    """Tim, registered by Lisa (the world's professional) in her organisation; Ria is his mother with custody."""
    tim = YoungPersonFactory(first_name="Tim", last_name="Verbeek", date_of_birth=born_years_ago(age))
    assign(CaseFactory(young_person=tim, organisation=world.organisation), world.professional)
    add_guardian(tim, user_with_role(Role.PARENT, first_name="Ria"))
    return tim


@pytest.fixture
def tim(world: World) -> YoungPerson:
    return tim_of(world)


def invite(world: World, young_person: YoungPerson, **contact: str) -> str:
    contact = contact or {"email": "tim@example.org"}
    _invitation, token = services.youngperson_invite(actor=world.professional, young_person=young_person, **contact)
    return token


def link_path(token: str) -> str:
    return reverse("youth:account_invitation", args=[token])


def token_in(text: str) -> str:
    found = re.search(r"/jongeren/welkom/([A-Za-z0-9_-]+)/", text)
    assert found is not None, text
    return found.group(1)


# --- Sending the link -------------------------------------------------------------------------------------------


def test_the_link_goes_by_email_without_names_and_only_its_hash_is_stored(
    world: World, tim: YoungPerson, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        token = invite(world, tim, email="tim@example.org")
    (sent,) = mail.outbox
    assert sent.to == ["tim@example.org"]
    assert token_in(str(sent.body)) == token
    assert "Tim" not in sent.body and "Verbeek" not in sent.body and "Ria" not in sent.body
    stored = YoungPersonInvitation.objects.get()
    assert stored.token_hash == token_hash(token) and not YoungPersonInvitation.objects.filter(token_hash=token)
    assert (stored.by_email, stored.by_sms, stored.sent_by) == (True, False, world.professional)
    assert stored.expires_at - stored.sent_at == timedelta(days=settings.YOUNG_PERSON_INVITATION_DAYS)


def test_the_link_goes_by_sms_without_names(
    world: World,
    tim: YoungPerson,
    sms: list[tuple[str, str]],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        token = invite(world, tim, phone="06 1234 5678")
    ((to, body),) = sms
    assert to == "+31612345678"
    assert token_in(body) == token
    assert "Tim" not in body and "Verbeek" not in body
    assert not mail.outbox


def test_a_new_link_replaces_the_older_one(world: World, tim: YoungPerson, english: None) -> None:
    old = invite(world, tim)
    new = invite(world, tim, email="tim.v@example.org")
    assert selectors.youngpersoninvitation_lookup(old).status == "replaced"
    assert selectors.youngpersoninvitation_lookup(new).status == "valid"
    # The replaced link forgets where it went.
    replaced = YoungPersonInvitation.objects.get(token_hash=token_hash(old))
    assert (replaced.email, replaced.phone) == ("", "")
    with pytest.raises(ValidationError, match="a newer link was sent"):
        services.youngpersoninvitation_accept(token=old, first_name="Tim")
    assert YoungPerson.objects.get(pk=tim.pk).user is None


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        ({}, "phone"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_the_link_needs_a_number_or_address(
    world: World, tim: YoungPerson, english: None, contact: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.youngperson_invite(actor=world.professional, young_person=tim, **contact)
    assert field in refused.value.message_dict
    assert not YoungPersonInvitation.objects.exists()


def test_a_number_or_address_of_another_account_is_refused(world: World, tim: YoungPerson, english: None) -> None:
    ria = User.objects.get(first_name="Ria")
    ria.phone = "+31611111111"
    ria.save()
    assert ria.email is not None
    with pytest.raises(ValidationError) as refused:
        services.youngperson_invite(actor=world.professional, young_person=tim, email=ria.email, phone="06 1111 1111")
    assert set(refused.value.message_dict) == {"email", "phone"}
    assert "own email address" in refused.value.message_dict["email"][0]


def test_under_12_nobody_can_send_a_link_and_the_page_says_why(world: World, client: Client) -> None:
    child = tim_of(world, age=11)
    with translation.override("en"), pytest.raises(ValidationError, match="Under 12, the parents decide"):
        services.youngperson_invite(actor=world.professional, young_person=child, email="kind@example.org")
    client.force_login(world.professional)
    detail = client.get(reverse("youth:youngperson_detail", args=[child.pk])).content.decode()
    assert "Onder de 12 beslissen de ouders" in detail
    assert reverse("youth:account_invite", args=[child.pk]) not in detail
    page = client.get(reverse("youth:account_invite", args=[child.pk]))
    assert page.status_code == OK
    assert "Onder de 12 beslissen de ouders" in page.content.decode()
    assert "<form" not in page.content.decode().split("<main", 1)[1]


def test_a_young_person_with_an_account_gets_no_link(world: World, english: None) -> None:
    with pytest.raises(ValidationError, match="already has an account"):
        services.youngperson_invite(actor=world.professional, young_person=world.young_person, email="s@example.org")


# --- Who may send it ------------------------------------------------------------------------------------------


def test_who_may_invite(world: World, tim: YoungPerson) -> None:
    ria = User.objects.get(first_name="Ria")
    other_parent = user_with_role(Role.PARENT, first_name="Kees")
    add_guardian(tim, other_parent, custody=False)
    assert selectors.is_inviter(world.professional, tim)
    assert selectors.is_inviter(ria, tim)  # a parent with custody, Tim is 14
    for nobody in (other_parent, world.mentor, world.coordinator, world.outsider, world.volunteer, world.admin):
        assert not selectors.is_inviter(nobody, tim)
        with pytest.raises(PermissionDenied):
            services.youngperson_invite(actor=nobody, young_person=tim, email="tim@example.org")
    services.youngperson_invite(actor=ria, young_person=tim, email="tim@example.org")


def test_a_parent_of_a_child_under_12_may_not_invite(world: World) -> None:
    child = tim_of(world, age=11)
    ria = User.objects.get(first_name="Ria")
    assert not selectors.is_inviter(ria, child)
    with pytest.raises(PermissionDenied):
        services.youngperson_invite(actor=ria, young_person=child, email="kind@example.org")


def test_the_professional_of_a_closed_case_may_not_invite(world: World, tim: YoungPerson) -> None:
    tim.cases.update(closed_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.youngperson_invite(actor=world.professional, young_person=tim, email="tim@example.org")


# --- Every state of the link ----------------------------------------------------------------------------------


def test_tim_says_yes_by_email_and_gets_an_account_without_being_logged_in(
    world: World, tim: YoungPerson, client: Client
) -> None:
    token = invite(world, tim, email="tim@example.org")
    page = client.get(link_path(token))
    assert page.status_code == OK
    text = page.content.decode()
    assert "Welkom Tim. Dit is jouw plek in Dichtbij." in text
    assert 'value="Tim"' in text
    response = client.post(link_path(token), {"first_name": "Timo"})
    assert response.status_code == REDIRECT
    tim.refresh_from_db()
    account = tim.user
    assert account is not None
    assert (account.first_name, account.last_name, account.email, account.phone) == (
        "Timo",
        "Verbeek",
        "tim@example.org",
        "",
    )
    assert account.roles.filter(role=Role.YOUNG_PERSON).exists()
    assert "_auth_user_id" not in client.session  # the link logs nobody in
    done = client.get(link_path(token))
    assert done.status_code == OK
    assert "Je account is klaar" in done.content.decode()
    assert reverse("account_login") in done.content.decode()
    invitation = YoungPersonInvitation.objects.get()
    assert invitation.used_at is not None and invitation.opened_at is not None
    assert (invitation.email, invitation.phone) == ("", "")


def test_an_sms_only_link_makes_an_account_reachable_by_phone_only(
    world: World, tim: YoungPerson, client: Client, sms: list[tuple[str, str]]
) -> None:
    token = invite(world, tim, phone="06 1234 5678")
    assert client.post(link_path(token), {"first_name": "Tim"}).status_code == REDIRECT
    account = User.objects.get(young_person=tim)
    assert (account.email, account.phone, account.phone_verified) == (None, "+31612345678", True)
    assert account.contact_preference == User.Contact.SMS


@pytest.mark.parametrize("contact", ["phone", "email"])
def test_tim_logs_in_with_a_code_sent_to_where_the_link_went(
    world: World, tim: YoungPerson, client: Client, sms: list[tuple[str, str]], contact: str
) -> None:
    from tests.builders.accounts import CONFIRM_CODE, ask_code, code_in, logged_in_user_id

    address = {"phone": "06 1234 5678", "email": "tim@example.org"}[contact]
    token = invite(world, tim, **{contact: address})
    sms.clear()
    mail.outbox.clear()
    client.post(link_path(token), {"first_name": "Tim"})
    assert not sms and not mail.outbox  # no welcome with a password link: he logs in with a code
    ask_code(client, address)
    message = sms[0][1] if contact == "phone" else str(mail.outbox[0].body)
    response = client.post(CONFIRM_CODE, {"code": code_in(message)})
    assert response["Location"] == "/"
    assert logged_in_user_id(client) == YoungPerson.objects.get(pk=tim.pk).user_id


def test_expired_link(world: World, tim: YoungPerson, client: Client) -> None:
    token = invite(world, tim)
    YoungPersonInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page = client.get(link_path(token))
    assert page.status_code == 410
    assert "Deze link werkt niet meer" in page.content.decode()
    with translation.override("en"), pytest.raises(ValidationError, match="expired"):
        services.youngpersoninvitation_accept(token=token, first_name="Tim")
    assert client.post(link_path(token), {"first_name": "Tim"}).status_code == 410
    assert YoungPerson.objects.get(pk=tim.pk).user is None


def test_used_link(world: World, tim: YoungPerson, english: None) -> None:
    token = invite(world, tim)
    services.youngpersoninvitation_accept(token=token, first_name="Tim")
    with pytest.raises(ValidationError, match="already used"):
        services.youngpersoninvitation_accept(token=token, first_name="Tim")
    assert User.objects.filter(young_person=tim).count() == 1


def test_replaced_link_page(world: World, tim: YoungPerson, client: Client) -> None:
    old = invite(world, tim)
    invite(world, tim)
    page = client.get(link_path(old))
    assert page.status_code == 410
    assert "Er is een nieuwere link" in page.content.decode()


def test_unknown_link(world: World, client: Client) -> None:
    page = client.get(link_path("niet-een-echte-link"))
    assert page.status_code == HIDDEN
    assert "Deze link werkt niet" in page.content.decode()
    assert client.get(link_path("x" * 500)).status_code == HIDDEN


def test_a_young_person_who_has_an_account_already(world: World, tim: YoungPerson, client: Client) -> None:
    token = invite(world, tim)
    YoungPerson.objects.filter(pk=tim.pk).update(user=user_with_role(Role.YOUNG_PERSON, first_name="Tim"))
    page = client.get(link_path(token))
    assert page.status_code == OK
    assert "Je hebt al een account" in page.content.decode()
    assert "<form" not in page.content.decode().split("<main", 1)[1]
    with translation.override("en"), pytest.raises(ValidationError, match="already have an account"):
        services.youngpersoninvitation_accept(token=token, first_name="Tim")


def test_a_young_person_who_turned_out_to_be_under_12(world: World, tim: YoungPerson, client: Client) -> None:
    token = invite(world, tim)
    # The date of birth was written down wrong: Tim is 11.
    YoungPerson.objects.filter(pk=tim.pk).update(date_of_birth=born_years_ago(11))
    page = client.get(link_path(token))
    assert page.status_code == OK
    assert "Onder de 12 beslissen de ouders" in page.content.decode()
    assert client.post(link_path(token), {"first_name": "Tim"}).status_code == OK
    assert YoungPerson.objects.get(pk=tim.pk).user is None


def test_someone_logged_in_as_another_account_is_told_and_not_linked(
    world: World, tim: YoungPerson, client: Client
) -> None:
    token = invite(world, tim)
    client.force_login(world.parent)  # Marieke opened Tim's link on her own phone
    page = client.get(link_path(token))
    assert page.status_code == FORBIDDEN
    text = page.content.decode()
    assert "Er is iemand anders ingelogd" in text
    assert "Tim" not in text.split("<main", 1)[1]
    assert client.post(link_path(token), {"first_name": "Tim"}).status_code == FORBIDDEN
    tim.refresh_from_db()
    assert tim.user is None
    assert not world.parent.roles.filter(role=Role.YOUNG_PERSON).exists()
    assert selectors.youngpersoninvitation_lookup(token).valid  # the link still works for Tim


def test_an_empty_first_name_is_asked_again(world: World, tim: YoungPerson, client: Client) -> None:
    token = invite(world, tim)
    response = client.post(link_path(token), {"first_name": "  "})
    assert response.status_code == 400
    assert YoungPerson.objects.get(pk=tim.pk).user is None


# --- The young person's page --------------------------------------------------------------------------------------


def test_the_page_says_who_has_an_account_and_who_is_invited(world: World, tim: YoungPerson, client: Client) -> None:
    client.force_login(world.professional)
    url = reverse("youth:youngperson_detail", args=[tim.pk])
    page = client.get(url).content.decode()
    assert "Tim heeft nog geen account." in page
    assert reverse("youth:account_invite", args=[tim.pk]) in page
    assert "Ria is uitgenodigd en heeft nog niet ingelogd." in page
    User.objects.filter(first_name="Ria").update(last_login=timezone.now())
    response = client.post(reverse("youth:account_invite", args=[tim.pk]), {"email": "tim@example.org"})
    assert response.status_code == REDIRECT
    invitation = YoungPersonInvitation.objects.get()
    page = client.get(url).content.decode()
    sent = timezone.localtime(invitation.sent_at)
    until = timezone.localtime(invitation.expires_at)
    with translation.override("nl"):
        from django.utils.formats import date_format

        expected = f"Tim is uitgenodigd op {date_format(sent, 'j M')}. De link werkt tot {date_format(until, 'j M')}."
    assert expected in page
    assert "Ria heeft een account." in page
    YoungPersonInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "is verlopen" in client.get(url).content.decode()
    token = invite(world, tim)
    services.youngpersoninvitation_accept(token=token, first_name="Tim")
    page = client.get(url).content.decode()
    assert "Tim heeft een account." in page
    assert reverse("youth:account_invite", args=[tim.pk]) not in page


def test_a_parent_with_custody_sees_the_button_and_a_coordinator_only_the_state(
    world: World, tim: YoungPerson, client: Client
) -> None:
    url = reverse("youth:youngperson_detail", args=[tim.pk])
    invite_url = reverse("youth:account_invite", args=[tim.pk])
    client.force_login(User.objects.get(first_name="Ria"))
    page = client.get(url).content.decode()
    assert "Tim heeft nog geen account." in page and invite_url in page
    client.force_login(world.coordinator)
    page = client.get(url).content.decode()
    assert "Tim heeft nog geen account." in page and invite_url not in page


def test_the_invite_form_refuses_bad_input_in_dutch(world: World, tim: YoungPerson, client: Client) -> None:
    client.force_login(world.professional)
    response = client.post(reverse("youth:account_invite", args=[tim.pk]), {"phone": "", "email": ""})
    assert response.status_code == 400
    assert "mobiele nummer" in response.content.decode()
    assert not YoungPersonInvitation.objects.exists()


def test_the_invite_page_writes_the_access_log(world: World, tim: YoungPerson, client: Client) -> None:
    client.force_login(world.professional)
    client.get(reverse("youth:account_invite", args=[tim.pk]))
    client.post(reverse("youth:account_invite", args=[tim.pk]), {"email": "tim@example.org"})
    rows = set(AccessLogEntry.objects.filter(young_person=tim).values_list("actor_id", "what", "action"))
    assert rows == {(world.professional.pk, "profile", "view"), (world.professional.pk, "profile", "change")}


# --- Who gets what answer, per role, on their own young person and on another's -----------------------------------


def _invite_url(world: World, own: bool) -> str:
    young_person = world.young_person if own else world.foreign_young_person
    return reverse("youth:account_invite", args=[young_person.pk])


# Sanne (own) has an account and is 15; Mees (foreign) has none and is 15, in the outsider's case.
INVITE_OWN = expect(HIDDEN, young_person_user=FORBIDDEN, parent=OK, professional=OK, coordinator=FORBIDDEN)
INVITE_FOREIGN = expect(HIDDEN, outsider=OK)

VIEWS = [
    ("invite", "get", _invite_url, INVITE_OWN, INVITE_FOREIGN),
    # A valid address: on Sanne (who has an account) an inviter is refused on the form; Mees is invited.
    (
        "invite (post)",
        "post",
        _invite_url,
        expect(HIDDEN, young_person_user=FORBIDDEN, parent=400, professional=400, coordinator=FORBIDDEN),
        expect(HIDDEN, outsider=REDIRECT),
    ),
]


@pytest.mark.parametrize(("name", "method", "url", "persona", "own", "expected"), role_matrix(VIEWS))
def test_view_answers_each_role(
    world: World,
    client: Client,
    name: str,
    method: str,
    url: Callable[[World, bool], str],
    persona: str,
    own: bool,
    expected: int,
) -> None:
    client.force_login(world.by_role(persona))
    response = getattr(client, method)(url(world, own), {"email": "nieuw@example.org"})
    assert response.status_code == expected
    assert YoungPersonInvitation.objects.exists() == (expected == REDIRECT)


def test_anonymous_visitors_are_sent_to_login(world: World, client: Client) -> None:
    response = client.get(_invite_url(world, True), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["young_person_user", "parent", "mentor", "professional", "outsider", "admin"])
def test_the_link_page_is_for_nobody_who_is_logged_in(world: World, client: Client, persona: str) -> None:
    mees = world.foreign_young_person
    _invitation, token = services.youngperson_invite(actor=world.outsider, young_person=mees, email="m@example.org")
    client.force_login(world.by_role(persona))
    assert client.get(link_path(token)).status_code == FORBIDDEN
    assert client.post(link_path(token), {"first_name": "Mees"}).status_code == FORBIDDEN
    assert YoungPerson.objects.get(pk=mees.pk).user is None


# --- Everything that waited for Tim ---------------------------------------------------------------------------------


def running_mentorship(world: World, tim: YoungPerson) -> Mentorship:
    """Karin (the world's mentor) is Tim's JIM; the triad and coaching conversations run."""
    mentorship = Mentorship.objects.create(
        young_person=tim,
        case=tim.cases.get(),
        nominee_name="Karin",
        mentor=world.mentor,
        nominated_by=world.professional,
        state=State.ACTIVE,
        started_on=timezone.localdate(),
    )
    conversations_follow_mentorship(mentorship=mentorship)
    return Mentorship.objects.select_related("young_person", "case__organisation", "mentor").get(pk=mentorship.pk)


def proposed(world: World, mentorship: Mentorship) -> AgreementVersion:
    """Lisa proposes the JIM agreement to the parties who take part now."""
    return agreementversion_propose(
        agreement_subject=mentorship,
        kind=Agreement.Kind.JIM,
        proposed_by=world.professional,
        sections=JIM_TEXTS,
        signatories=mentorship_signatories(mentorship),
    )


def agreed_by_all(world: World, mentorship: Mentorship) -> AgreementVersion:
    version = proposed(world, mentorship)
    for signature in version.signatures.select_related("user"):
        assert signature.user is not None
        version = agreementversion_agree(version=version, user=signature.user)
    assert version.in_force_at is not None
    return version


def accepted(world: World, tim: YoungPerson) -> User:
    give_all_consents(tim)  # Tim's yes (recorded) and Ria's: the mentorship's pages may show
    token = invite(world, tim)
    account = services.youngpersoninvitation_accept(token=token, first_name="Tim")
    tim.refresh_from_db()
    return account


def test_tim_reads_the_triad_history_and_is_named_among_its_readers(
    world: World, tim: YoungPerson, client: Client
) -> None:
    mentorship = running_mentorship(world, tim)
    triad = Conversation.objects.get(mentorship=mentorship, kind=Conversation.Kind.TRIAD)
    message_send(actor=world.mentor, conversation=triad, body="Zullen we woensdag afspreken?", client_msg_id="m1")
    account = accepted(world, tim)
    assert conversation_visible_to(account).filter(pk=triad.pk).exists()
    assert not conversation_visible_to(account).filter(kind=Conversation.Kind.COACHING).exists()
    client.force_login(account)
    page = client.get(reverse("messaging:detail", args=[triad.pk]))
    assert page.status_code == OK
    text = page.content.decode()
    assert "Zullen we woensdag afspreken?" in text
    readers = text.split("Wie kan dit lezen", 1)[1].split("</section>", 1)[0]
    assert "Tim" in readers


def test_from_12_the_young_person_joins_the_broker_conversation(world: World) -> None:
    from tests.builders.messaging import linked

    # Sanne (15) without her account yet: the family talks with the social broker.
    YoungPerson.objects.filter(pk=world.young_person.pk).update(user=None)
    world.young_person.refresh_from_db()
    world.case.young_person = world.young_person
    broker = Conversation.objects.get(broker_request=linked(world), kind=Conversation.Kind.BROKER)
    message_send(actor=world.parent, conversation=broker, body="Welke sportclub past bij haar?", client_msg_id="b1")
    token = invite(world, world.young_person, email="sanne.nieuw@example.org")
    account = services.youngpersoninvitation_accept(token=token, first_name="Sanne")
    assert broker.members.filter(user=account, party="young_person", left_at__isnull=True).exists()
    assert conversation_visible_to(account).filter(pk=broker.pk).exists()


def test_an_agreement_in_force_waits_for_tims_yes_without_a_new_version(world: World, tim: YoungPerson) -> None:
    mentorship = running_mentorship(world, tim)
    version = agreed_by_all(world, mentorship)
    in_force_at = version.in_force_at
    account = accepted(world, tim)
    agreement = agreement_of(mentorship)
    assert agreement is not None and agreement.versions.count() == 1
    overview = agreement_overview(mentorship, Agreement.Kind.JIM, account)
    assert overview.in_force is not None  # still in force
    assert [s.user_id for s in overview.joined_later] == [account.pk]
    assert overview.user_must_agree
    assert not agreement_overview(mentorship, Agreement.Kind.JIM, world.professional).user_must_agree
    # His home page's "to do" list asks it too.
    assert [item.kind for item in todo_for(account)].count("agreement") == 1
    mail.outbox.clear()
    agreed = mentor_services.mentorship_agreement_agree(actor=account, mentorship=mentorship, version=version)
    assert agreed.in_force_at == in_force_at
    assert agreement_overview(mentorship, Agreement.Kind.JIM, account).joined_later == []
    assert "agreement" not in [item.kind for item in todo_for(account)]
    assert not mail.outbox  # nothing new came into force, so nobody is told it did


def test_a_proposal_waiting_for_yes_waits_for_tim_and_comes_into_force_with_his_yes(
    world: World, tim: YoungPerson
) -> None:
    mentorship = running_mentorship(world, tim)
    version = proposed(world, mentorship)
    account = accepted(world, tim)
    others = [s.user for s in version.signatures.select_related("user") if s.user_id != account.pk]
    for user in others:
        assert user is not None
        version = agreementversion_agree(version=version, user=user)
    assert version.in_force_at is None  # waits for Tim
    overview = agreement_overview(mentorship, Agreement.Kind.JIM, account)
    assert overview.pending is not None and overview.user_must_agree
    assert [s.user_id for s in overview.pending.waiting_for] == [account.pk]
    version = mentor_services.mentorship_agreement_agree(actor=account, mentorship=mentorship, version=version)
    assert version.in_force_at is not None


def test_tims_consent_is_asked_on_his_home_page(world: World, tim: YoungPerson, client: Client) -> None:
    token = invite(world, tim)
    account = services.youngpersoninvitation_accept(token=token, first_name="Tim")
    tasks = consent_tasks_for(account)
    assert [(young_person.pk, len(purposes)) for young_person, purposes in tasks] == [(tim.pk, 2)]
    client.force_login(account)
    home = client.get(reverse("home"))
    assert home.status_code == OK
    assert reverse("youth:consent", args=[tim.pk]) in home.content.decode()


def test_tim_changes_his_own_network_map(world: World, tim: YoungPerson, client: Client) -> None:
    account = accepted(world, tim)
    client.force_login(account)
    add = reverse("youth:networkperson_add", args=[tim.pk])
    assert client.get(add).status_code == OK
    data = {"first_name": "Oma", "relation": "family", "closeness": "1", "trusted": "yes", "note": ""}
    assert client.post(add, data).status_code == REDIRECT
    assert NetworkPerson.objects.filter(young_person=tim, first_name="Oma", added_by=account).exists()


def test_tim_sees_who_looked_and_his_own_reads_are_logged(world: World, tim: YoungPerson, client: Client) -> None:
    client.force_login(world.professional)
    client.get(reverse("youth:youngperson_detail", args=[tim.pk]))
    account = accepted(world, tim)
    client.force_login(account)
    page = client.get(reverse("youth:accesslog", args=[tim.pk]))
    assert page.status_code == OK
    assert "Lisa" in page.content.decode()
    client.get(reverse("youth:youngperson_detail", args=[tim.pk]))
    own = AccessLogEntry.objects.filter(young_person=tim, actor=account).get()
    assert (own.what, own.actor_role) == (AccessLogEntry.What.PROFILE, Role.YOUNG_PERSON)


def test_the_professional_hears_that_tim_has_an_account_without_his_name(
    world: World, tim: YoungPerson, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    token = invite(world, tim)
    with django_capture_on_commit_callbacks(execute=True):
        services.youngpersoninvitation_accept(token=token, first_name="Tim")
    notices = [m for m in mail.outbox if m.to == [world.professional.email]]
    assert len(notices) == 1
    assert "Tim" not in str(notices[0].subject) + notices[0].body
    assert reverse("youth:youngperson_detail", args=[tim.pk]) in notices[0].body


def test_a_parent_who_sent_the_link_hears_it_too(
    world: World, tim: YoungPerson, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    ria = User.objects.get(first_name="Ria")
    _invitation, token = services.youngperson_invite(actor=ria, young_person=tim, email="tim@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.youngpersoninvitation_accept(token=token, first_name="Tim")
    assert [m for m in mail.outbox if m.to == [ria.email]]


# --- Two at the same moment (PostgreSQL) ------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_clicks_on_the_link_at_once_make_one_account(world: World) -> None:
    tim = tim_of(world)
    token = invite(world, tim)
    results, errors = at_once(
        *((lambda: services.youngpersoninvitation_accept(token=token, first_name="Tim")) for _ in range(3))
    )
    assert len(results) == 1 and len(errors) == 2, errors
    assert all(isinstance(error, ValidationError) for error in errors), errors
    assert User.objects.filter(young_person=tim).count() == 1
    assert User.objects.filter(email="tim@example.org").count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_links_sent_at_once_leave_one_that_works(world: World) -> None:
    tim = tim_of(world)
    ria = User.objects.get(first_name="Ria")
    results, errors = at_once(
        lambda: services.youngperson_invite(actor=world.professional, young_person=tim, email="tim@example.org"),
        lambda: services.youngperson_invite(actor=ria, young_person=tim, email="tim.v@example.org"),
    )
    assert not errors, errors
    statuses = sorted(selectors.youngpersoninvitation_lookup(token).status for _invitation, token in results)
    assert statuses == ["replaced", "valid"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_new_link_and_a_yes_at_once_never_leave_an_open_link_beside_an_account(world: World) -> None:
    tim = tim_of(world)
    token = invite(world, tim)
    _results, errors = at_once(
        lambda: services.youngpersoninvitation_accept(token=token, first_name="Tim"),
        lambda: services.youngperson_invite(actor=world.professional, young_person=tim, email="tim.v@example.org"),
    )
    tim.refresh_from_db()
    open_links = YoungPersonInvitation.objects.filter(young_person=tim, used_at__isnull=True, revoked_at__isnull=True)
    if tim.user is not None:  # the yes came first: the new link was refused
        assert [type(error) for error in errors] == [ValidationError]
        assert not open_links.exists()
    else:  # the new link came first: the old one was replaced and the yes refused
        assert [type(error) for error in errors] == [ValidationError]
        assert open_links.count() == 1
