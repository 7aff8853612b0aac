"""The cast every test can use: one case in organisation A with all its people, and an outsider's case in B."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from accounts.models import Organisation, Role, RoleAssignment, User
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    user_with_role,
)
from youth.models import Case, YoungPerson


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    # Rate-limit counters and used TOTP codes live in the cache; each test starts without them.
    cache.clear()


@pytest.fixture(scope="session")
def _matching_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matching-model")


@pytest.fixture(autouse=True)
def _matching_model_outside_the_checkout(settings: Any, _matching_model_dir: Path) -> None:
    # demo_load trains the fit model when there is none: once per test process, never into the checkout's var/.
    # Tests about the model set a folder of their own.
    settings.MATCHING_MODEL_DIR = str(_matching_model_dir)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # A deliberately slow hash is the point in production and a minute of waiting in the suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class World:
    organisation: Organisation
    other_organisation: Organisation
    young_person_user: User
    parent: User
    mentor: User
    volunteer: User
    professional: User
    coordinator: User
    analyst: User
    admin: User
    outsider: User  # a professional in another organisation
    young_person: YoungPerson
    case: Case
    foreign_young_person: YoungPerson
    foreign_case: Case

    def by_role(self, name: str) -> User:
        return getattr(self, name)


PERSONAS = [
    "young_person_user",
    "parent",
    "mentor",
    "volunteer",
    "professional",
    "coordinator",
    "analyst",
    "admin",
    "outsider",
]


@pytest.fixture
def world(db: None) -> World:
    organisation = OrganisationFactory(name="Jeugdteam A")
    other = OrganisationFactory(name="Jeugdteam B")
    young_person_user = user_with_role(Role.YOUNG_PERSON, first_name="Sanne")
    parent = user_with_role(Role.PARENT, first_name="Marieke")
    professional = user_with_role(Role.PROFESSIONAL, organisation, first_name="Lisa")
    outsider = user_with_role(Role.PROFESSIONAL, other, first_name="Eva")
    analyst = user_with_role(Role.ANALYST, first_name="Femke")
    RoleAssignment.objects.filter(user=analyst).update(region=RegionFactory())
    admin = user_with_role(Role.ADMIN, first_name="Bram", is_staff=True)
    young_person = YoungPersonFactory(first_name="Sanne", user=young_person_user)
    add_guardian(young_person, parent)
    case = assign(CaseFactory(young_person=young_person, organisation=organisation), professional)
    foreign_young_person = YoungPersonFactory(first_name="Mees")
    foreign_case = assign(CaseFactory(young_person=foreign_young_person, organisation=other), outsider)
    return World(
        organisation=organisation,
        other_organisation=other,
        young_person_user=young_person_user,
        parent=parent,
        mentor=user_with_role(Role.MENTOR, first_name="Karin"),
        volunteer=user_with_role(Role.VOLUNTEER, organisation, first_name="Ahmed"),
        professional=professional,
        coordinator=user_with_role(Role.COORDINATOR, organisation, first_name="Peter"),
        analyst=analyst,
        admin=admin,
        outsider=outsider,
        young_person=young_person,
        case=case,
        foreign_young_person=foreign_young_person,
        foreign_case=foreign_case,
    )


@pytest.fixture
def user_factory(db: None) -> type[UserFactory]:
    return UserFactory
