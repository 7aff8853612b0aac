"""The cast every test can use: one case in organisation A with all its people, and an outsider's case in B."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import validate_django_db

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


FAST_PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # A deliberately slow hash is the point in production and a minute of waiting in the suite.
    settings.PASSWORD_HASHERS = FAST_PASSWORD_HASHERS


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


def _build_world() -> World:
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


class _SharedWorld:
    """One `world` in a transaction that stays open while consecutive tests use it; each test runs in a savepoint
    inside it (pytest-django's `db`) and gets a deep copy of the objects, as Django's setUpTestData does.

    The transaction is rolled back before a test that uses the database without `world` (it must not see the world)
    or with transactions of its own. pytest-django runs the plain database tests first, so most of them share one
    world. A hook switches, not a fixture: it must happen before any of the test's fixtures opens its savepoint.
    """

    def __init__(self) -> None:
        self.blocker: DjangoDbBlocker | None = None  # set once the test database exists
        self.wanted = False
        self.atomic: transaction.Atomic | None = None
        self.world: World | None = None

    def want(self, wanted: bool) -> None:
        self.wanted = wanted
        self.sync()

    def sync(self) -> None:
        if self.blocker is None or self.wanted == (self.atomic is not None):
            return
        with self.blocker.unblock():
            if self.atomic is None:
                self._open()
            else:
                self._close()

    def _open(self) -> None:
        self.atomic = transaction.atomic()
        self.atomic._from_testcase = True  # type: ignore[attr-defined]  # durable blocks may nest, as in TestCase
        self.atomic.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_PASSWORD_HASHERS):
                self.world = _build_world()
        except BaseException:
            self._close()
            raise

    def _close(self) -> None:
        assert self.atomic is not None
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)
        self.atomic, self.world = None, None


_shared_world = _SharedWorld()


def _uses_shared_world(item: pytest.Item) -> bool | None:
    """True: the test wants the shared world; False: it must not run inside it; None: it uses no database."""
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = any(
        name in names
        for name in ("transactional_db", "live_server", "django_db_reset_sequences", "django_db_serialized_rollback")
    ) or bool(marker and any(validate_django_db(marker)[:2]))
    if "world" in names and not transactional:
        return True
    if transactional or "db" in names or marker:
        return False
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    wanted = _uses_shared_world(item)
    if wanted is not None:
        _shared_world.want(wanted)


@pytest.fixture(scope="session")
def _world_transaction(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[_SharedWorld]:
    # Session scope puts this before every function-scoped fixture, so the first shared world opens before `db`.
    _shared_world.blocker = django_db_blocker
    _shared_world.sync()
    yield _shared_world
    _shared_world.want(False)
    _shared_world.blocker = None


@pytest.fixture
def world(_world_transaction: _SharedWorld, db: None) -> World:
    if _world_transaction.world is not None:
        return copy.deepcopy(_world_transaction.world)
    return _build_world()  # a transactional test: its own world, emptied after it


@pytest.fixture
def user_factory(db: None) -> type[UserFactory]:
    return UserFactory
