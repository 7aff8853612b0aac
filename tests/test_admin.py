"""The admin site holds no young person or parent, never shows a second-factor secret, and gives only the roles it
may, never to the administrator himself, with every grant logged."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Region, Role, RoleAssignment, RoleGrantLogEntry, User
from accounts.services import role_assignment_remove_by_admin, role_assignment_save_by_admin
from tests.conftest import World
from tests.factories import UserFactory, user_with_role


@pytest.fixture
def superuser(world: World) -> User:
    # As in the demo: an administrator is a superuser of Django's admin (with a second factor).
    return user_with_role(Role.ADMIN, is_staff=True, is_superuser=True, first_name="Beheer")


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


def _care_clients(world: World) -> list[User]:
    # A guardian without any role yet counts too: being someone's parent says enough.
    guardian_only = UserFactory(first_name="Zonderrol")
    from youth.models import Guardianship

    Guardianship.objects.create(young_person=world.young_person, guardian=guardian_only)
    return [world.young_person_user, world.parent, guardian_only]


def test_the_user_admin_neither_lists_finds_nor_opens_young_people_or_parents(
    world: World, admin_client: Client
) -> None:
    hidden = _care_clients(world)
    changelist = admin_client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert world.professional.email is not None
    assert world.professional.email in changelist
    for user in hidden:
        assert user.email is not None
        assert user.email not in changelist
        search = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": user.email})
        assert search.context["cl"].result_count == 0  # the search box repeats the address, so count
        for name in [
            "accounts_user_change",
            "auth_user_password_change",
            "accounts_user_history",
            "accounts_user_delete",
        ]:
            response = admin_client.get(reverse(f"admin:{name}", args=[user.pk]))
            assert response.status_code == 404, (user, name)
        response = admin_client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})
        assert response.status_code == 404
        assert User.objects.filter(pk=user.pk).exists()
    assert admin_client.get(reverse("admin:accounts_user_change", args=[world.professional.pk])).status_code == 200
    # A "deactivate" action with a hidden person's id does not reach them either.
    admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "deactivate", "_selected_action": [world.parent.pk, world.volunteer.pk]},
    )
    assert User.objects.get(pk=world.parent.pk).is_active
    assert not User.objects.get(pk=world.volunteer.pk).is_active


def test_the_email_and_second_factor_admins_hide_them_too(world: World, admin_client: Client) -> None:
    hidden = _care_clients(world)
    for user in hidden:
        EmailAddress.objects.get_or_create(user=user, email=user.email)
    Authenticator.objects.create(user=world.parent, type=Authenticator.Type.WEBAUTHN, data={"name": "Sleutel"})
    emails = admin_client.get(reverse("admin:account_emailaddress_changelist")).content.decode()
    assert world.professional.email is not None
    assert world.professional.email in emails
    for user in hidden:
        assert user.email is not None
        assert user.email not in emails
        address = EmailAddress.objects.get(user=user)
        assert admin_client.get(reverse("admin:account_emailaddress_change", args=[address.pk])).status_code == 404
    key = Authenticator.objects.get(user=world.parent)
    assert admin_client.get(reverse("admin:mfa_authenticator_change", args=[key.pk])).status_code == 404
    assert str(world.parent) not in admin_client.get(reverse("admin:mfa_authenticator_changelist")).content.decode()


def test_the_second_factor_admin_never_shows_or_changes_the_secret(world: World, admin_client: Client) -> None:
    from accounts.mfa_secrets import decrypt

    totp = Authenticator.objects.get(user=world.professional, type=Authenticator.Type.TOTP)
    stored = totp.data["secret"]
    for path in [
        reverse("admin:mfa_authenticator_changelist"),
        reverse("admin:mfa_authenticator_change", args=[totp.pk]),
    ]:
        page = admin_client.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert decrypt(stored) not in html
        assert stored not in html
        assert "secret" not in html
    response = admin_client.post(
        reverse("admin:mfa_authenticator_change", args=[totp.pk]),
        {"user": world.professional.pk, "type": "totp", "data": '{"secret": "JBSWY3DPEHPK3PXP"}'},
    )
    assert response.status_code == 403
    assert Authenticator.objects.get(pk=totp.pk).data == totp.data
    assert admin_client.get(reverse("admin:mfa_authenticator_add")).status_code == 403


def _user_form(user: User, *roles: dict[str, object]) -> dict[str, object]:
    data: dict[str, object] = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "contact_preference": user.contact_preference,
        "is_active": "on",
        "roles-TOTAL_FORMS": str(len(roles)),
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
    }
    if user.is_staff:
        data["is_staff"] = "on"
    if user.is_superuser:
        data["is_superuser"] = "on"
    for i, role in enumerate(roles):
        data.update({f"roles-{i}-{field}": value for field, value in role.items()})
        data[f"roles-{i}-user"] = user.pk
    return data


def test_an_analyst_role_given_in_the_admin_is_logged(world: World, admin_client: Client, superuser: User) -> None:
    person = world.volunteer
    region = Region.objects.first()
    assert region is not None
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        _user_form(person, {"role": Role.ANALYST, "region": region.pk}),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert RoleAssignment.objects.filter(user=person, role=Role.ANALYST, region=region).exists()
    entry = RoleGrantLogEntry.objects.get(user=person)
    assert (entry.actor, entry.action, entry.role, entry.region) == (
        superuser,
        RoleGrantLogEntry.Action.GRANTED,
        Role.ANALYST,
        region.name,
    )
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        RoleGrantLogEntry.objects.all().delete()


@pytest.mark.parametrize("role", [Role.YOUNG_PERSON, Role.PARENT, Role.MENTOR, Role.VOLUNTEER])
def test_the_admin_cannot_give_a_role_that_the_product_gives(world: World, admin_client: Client, role: str) -> None:
    person = world.analyst
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[person.pk]),
        _user_form(person, {"role": role, "organisation": world.organisation.pk}),
    )
    assert response.status_code == 200  # the form again, with an error
    assert not RoleAssignment.objects.filter(user=person, role=role).exists()
    assert not RoleGrantLogEntry.objects.exists()


def test_the_admin_cannot_change_his_own_roles_or_flags(world: World, admin_client: Client, superuser: User) -> None:
    superuser.is_superuser = False  # what he would like to keep: posted without the flag
    data = _user_form(
        superuser, {"role": Role.ANALYST}, {"role": Role.PROFESSIONAL, "organisation": world.organisation.pk}
    )
    data.pop("is_active")
    admin_client.post(reverse("admin:accounts_user_change", args=[superuser.pk]), data)
    assert set(RoleAssignment.objects.filter(user=superuser).values_list("role", flat=True)) == {Role.ADMIN}
    superuser.refresh_from_db()
    assert superuser.is_active and superuser.is_superuser
    assert not RoleGrantLogEntry.objects.exists()


def test_the_role_services_refuse_care_roles_and_oneself_and_log_removal(world: World, superuser: User) -> None:
    with pytest.raises(ValidationError):
        role_assignment_save_by_admin(actor=superuser, assignment=RoleAssignment(user=superuser, role=Role.ANALYST))
    with pytest.raises(ValidationError):
        role_assignment_save_by_admin(actor=superuser, assignment=RoleAssignment(user=world.analyst, role=Role.MENTOR))
    # A role the product gives cannot be turned into another role either, nor taken away here.
    mentor_role = RoleAssignment.objects.get(user=world.mentor, role=Role.MENTOR)
    mentor_role.role = Role.ANALYST
    with pytest.raises(ValidationError):
        role_assignment_save_by_admin(actor=superuser, assignment=mentor_role)
    with pytest.raises(ValidationError):
        role_assignment_remove_by_admin(
            actor=superuser, assignment=RoleAssignment.objects.get(user=world.mentor, role=Role.MENTOR)
        )
    # Nobody is both an administrator and someone who works with young people's records.
    with pytest.raises(ValidationError):
        role_assignment_save_by_admin(actor=superuser, assignment=RoleAssignment(user=world.mentor, role=Role.ADMIN))
    assert not RoleGrantLogEntry.objects.exists()

    granted = role_assignment_save_by_admin(
        actor=superuser, assignment=RoleAssignment(user=world.analyst, role=Role.ADMIN)
    )
    assert User.objects.get(pk=world.analyst.pk).is_staff
    with pytest.raises(ValidationError):
        role_assignment_save_by_admin(
            actor=superuser,
            assignment=RoleAssignment(user=world.analyst, role=Role.COORDINATOR, organisation=world.organisation),
        )
    role_assignment_remove_by_admin(actor=superuser, assignment=granted)
    assert not RoleAssignment.objects.filter(pk=granted.pk).exists()
    # A new colleague of an organisation gets the coordinator's role from the admin, logged.
    coordinator = role_assignment_save_by_admin(
        actor=superuser,
        assignment=RoleAssignment(user=world.analyst, role=Role.COORDINATOR, organisation=world.organisation),
    )
    assert list(RoleGrantLogEntry.objects.order_by("id").values_list("action", "role")) == [
        (RoleGrantLogEntry.Action.GRANTED, Role.ADMIN),
        (RoleGrantLogEntry.Action.REMOVED, Role.ADMIN),
        (RoleGrantLogEntry.Action.GRANTED, Role.COORDINATOR),
    ]
    assert coordinator.organisation == world.organisation


def test_the_role_grant_log_is_read_only_in_the_admin(world: World, admin_client: Client, superuser: User) -> None:
    role_assignment_save_by_admin(actor=superuser, assignment=RoleAssignment(user=world.analyst, role=Role.ADMIN))
    page = admin_client.get(reverse("admin:accounts_rolegrantlogentry_changelist"))
    assert page.status_code == 200
    assert world.analyst.email is not None
    assert world.analyst.email in page.content.decode()
    entry = RoleGrantLogEntry.objects.get()
    assert admin_client.get(reverse("admin:accounts_rolegrantlogentry_add")).status_code == 403
    assert admin_client.post(reverse("admin:accounts_rolegrantlogentry_delete", args=[entry.pk])).status_code == 403


def test_the_user_pages_open_for_a_colleague_and_a_new_account(world: World, admin_client: Client) -> None:
    assert admin_client.get(reverse("admin:accounts_user_add")).status_code == 200
    page = admin_client.get(reverse("admin:accounts_user_change", args=[world.coordinator.pk])).content.decode()
    # The staff role is one the admin may give and change.
    assert 'name="roles-0-role"' in page
