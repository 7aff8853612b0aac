"""The cast every test can use: one case in organisation A with all its people, and an outsider's case in B.

The shared world (the one place this machinery is described)
------------------------------------------------------------
`world` is built once and shared by consecutive tests, as Django's `TestCase.setUpTestData` would: `_SharedWorld` opens
a transaction, builds the `World` in it, and keeps it open while the next tests ask for `world`; each test runs in
pytest-django's savepoint inside it and gets a deep copy of the objects. The transaction is rolled back before a test
that uses the database without `world` (it must not see it) or with transactions of its own (which then builds a world
for itself, emptied after it by DELETE, see `_empty_tables_by_delete`). The switch is the `pytest_runtest_setup` hook,
not a fixture, because it must happen before any of the test's fixtures opens its savepoint.

`@prebuilt` turns `build(world, **parameters)` into a fixture built once for a run of consecutive tests of its own
module with the same parameters, in a savepoint layer of its own inside the world's transaction (for permission
matrices that walk a case through many services before every case).

Two private parts are relied on, so pytest-django is pinned exactly (pyproject.toml) and checked below:
- `pytest_django.fixtures.validate_django_db`, to read a test's `django_db` marker as pytest-django does (is the test
  transactional, does it reset sequences);
- Django's `Atomic._from_testcase`, set on the blocks opened here so that durable atomic blocks may nest inside them
  as they do inside `TestCase`.
When upgrading pytest-django (or Django), check both still exist and mean the same, then change the pin and
`PYTEST_DJANGO_VERSION` together. What several test modules build lives in `tests/builders/`, never in a test module.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_django
from django.core.cache import cache
from django.db import connections, transaction
from django.test import TransactionTestCase, override_settings
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import validate_django_db

from accounts.models import Organisation, Role, RoleAssignment, User
from tests import accesslog_audit
from tests.factories import (
    CaseFactory,
    OrganisationFactory,
    RegionFactory,
    UserFactory,
    YoungPersonFactory,
    add_guardian,
    assign,
    give_all_consents,
    user_with_role,
)
from youth.models import Case, YoungPerson

# The shared world uses pytest-django's private `validate_django_db` (see above): only the version it was written for.
PYTEST_DJANGO_VERSION = "4.14.0"


def world_version_problem(installed: str) -> str | None:
    """Why the shared world may not run with pytest-django `installed`, or None when it is the pinned version."""
    if installed == PYTEST_DJANGO_VERSION:
        return None
    return (
        f"tests/conftest.py's shared world relies on pytest-django {PYTEST_DJANGO_VERSION}'s private "
        f"validate_django_db, and pytest-django {installed} is installed: install the pinned version "
        "(pyproject.toml) or check the machinery against the new one and change the pin and PYTEST_DJANGO_VERSION."
    )


if (_problem := world_version_problem(pytest_django.__version__)) is not None:
    raise pytest.UsageError(_problem)


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    # Rate-limit counters and used TOTP codes live in the cache; each test starts without them.
    cache.clear()


@pytest.fixture(autouse=True)
def _every_view_logged(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The permission matrices open every page for every persona: each page that shows a young person must write an
    # access-log row for them (tests/accesslog_audit.py says how a page is checked).
    if accesslog_audit.is_matrix_case(request.node):
        yield from accesslog_audit.audit(monkeypatch)
    else:
        yield


@pytest.fixture(scope="session")
def _matching_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("matching-model")


@pytest.fixture(autouse=True)
def _matching_model_outside_the_checkout(settings: Any, _matching_model_dir: Path) -> None:
    # demo_load trains the fit model when there is none: once per test process, never into the checkout's var/.
    # Tests about the model set a folder of their own.
    settings.MATCHING_MODEL_DIR = str(_matching_model_dir)


# Tables that hold what migrations made, not what a test made: kept, so nothing needs to make them again (and
# their ids, which other rows point at, stay the same for the whole run).
_TABLES_KEPT_BETWEEN_TESTS = {"django_content_type", "auth_permission"}


def tables_emptied_between_tests(db_name: str = "default") -> list[str]:
    """The model tables that a test with transactions of its own leaves to be emptied."""
    tables = connections[db_name].introspection.django_table_names(only_existing=True, include_views=False)
    return [table for table in tables if table not in _TABLES_KEPT_BETWEEN_TESTS]


def _empty_tables_by_delete(self: TransactionTestCase) -> None:
    """After a test with transactions of its own, empty the tables with DELETE instead of Django's flush.

    The flush is a TRUNCATE of every table followed by making the content types and permissions again: measured
    here on PostgreSQL, 2 to 5 s each time, 109 times in a run. DELETE of the few rows a test made takes
    milliseconds. The foreign keys Django makes (PostgreSQL and SQLite) are DEFERRABLE INITIALLY DEFERRED, so one
    transaction may delete in any order.
    """
    # A private method of TransactionTestCase, as the one replaced; django-stubs does not declare either.
    for db_name in self._databases_names(include_mirrors=False):  # type: ignore[attr-defined]
        connection = connections[db_name]
        with transaction.atomic(using=db_name), connection.cursor() as cursor:
            for table in tables_emptied_between_tests(db_name):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608 - the models' own tables


TransactionTestCase._fixture_teardown = _empty_tables_by_delete  # type: ignore[attr-defined]  # private, not in the stubs


@pytest.fixture
def sms(settings: Any) -> list[tuple[str, str]]:
    """The SMS that would be sent, as (to, body): Twilio is faked at the transport, nothing else."""
    from tests.builders.mentors import RecordingTransport  # the builders import World from this module

    settings.SMS_TRANSPORT = "tests.builders.mentors.RecordingTransport"
    RecordingTransport.sent.clear()
    return RecordingTransport.sent


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
        user: User = getattr(self, name)
        return user


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
    # Sanne is 15: she and her mother both said yes to both purposes, as a running match needs (youth/consent.py).
    give_all_consents(young_person)
    case = assign(CaseFactory(young_person=young_person, organisation=organisation), professional)
    foreign_young_person = YoungPersonFactory(first_name="Mees")
    give_all_consents(foreign_young_person)  # Mees is 15 and has no account yet: his yes was written down
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
        # What the tests' autouse fixtures set, for what is built before they run.
        self.build_settings: dict[str, Any] = {"PASSWORD_HASHERS": FAST_PASSWORD_HASHERS}
        # The layer of a `prebuilt` fixture: a savepoint inside the world's transaction, with what it built there.
        self.layer: transaction.Atomic | None = None
        self.layer_key: Hashable = None
        self.layer_objects: tuple[World, Any] | None = None

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
        self.atomic = _block_enter()
        try:
            with override_settings(**self.build_settings):
                self.world = _build_world()
        except BaseException:
            self._close()
            raise

    def _close(self) -> None:
        assert self.atomic is not None
        self.layer_close()
        _block_roll_back(self.atomic)
        self.atomic, self.world = None, None

    def prebuild(self, item: pytest.Item) -> None:
        """Give the test its copy of a `prebuilt` fixture's objects, building them in a layer of their own unless the
        test before asked for the same (same builder, same parameters)."""
        module = getattr(getattr(item, "module", None), "__name__", "")
        wanted = [(module, name) for name in getattr(item, "fixturenames", ()) if (module, name) in _PREBUILT]
        if self.atomic is None or not wanted:
            if self.layer is not None:
                with self._unblocked():
                    self.layer_close()
            return
        assert len(wanted) == 1, f"{item.nodeid}: one prebuilt fixture per test"
        build, parameters = _PREBUILT[wanted[0]]
        # A parametrised test is a pytest.Function, which has `callspec`; the hook is typed with its base, Item.
        arguments = {name: item.callspec.params[name] for name in parameters}  # type: ignore[attr-defined]
        key = (wanted[0], tuple(arguments.items()))
        if key != self.layer_key:
            with self._unblocked():
                self.layer_close()
                self.layer = _block_enter()
                try:
                    assert self.world is not None  # the world's transaction is open (self.atomic)
                    world = copy.deepcopy(self.world)
                    with override_settings(**self.build_settings):
                        self.layer_objects = (world, build(world, **arguments))
                except BaseException:
                    self.layer_close()
                    raise
                self.layer_key = key
        # An attribute of our own on pytest's item, read back by the `prebuilt` fixtures below.
        item._prebuilt = copy.deepcopy(self.layer_objects)  # type: ignore[attr-defined]

    def layer_close(self) -> None:
        if self.layer is not None:
            _block_roll_back(self.layer)
        self.layer, self.layer_key, self.layer_objects = None, None, None

    def _unblocked(self) -> Any:
        assert self.blocker is not None
        return self.blocker.unblock()


def _block_enter() -> transaction.Atomic:
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]  # durable blocks may nest, as in TestCase
    block.__enter__()
    return block


def _block_roll_back(block: transaction.Atomic) -> None:
    transaction.set_rollback(True)
    block.__exit__(None, None, None)


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
        _shared_world.prebuild(item)


@pytest.fixture(scope="session")
def _world_transaction(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, _matching_model_dir: Path
) -> Iterator[_SharedWorld]:
    # Session scope puts this before every function-scoped fixture, so the first shared world opens before `db`.
    _shared_world.blocker = django_db_blocker
    _shared_world.build_settings["MATCHING_MODEL_DIR"] = str(_matching_model_dir)
    _shared_world.sync()
    yield _shared_world
    _shared_world.want(False)
    _shared_world.blocker = None


@pytest.fixture
def world(request: pytest.FixtureRequest, _world_transaction: _SharedWorld, db: None) -> World:
    prebuilt: tuple[World, Any] | None = getattr(request.node, "_prebuilt", None)
    if prebuilt is not None:
        return prebuilt[0]  # the world the prebuilt objects belong to (the same copy)
    if _world_transaction.world is not None:
        return copy.deepcopy(_world_transaction.world)
    return _build_world()  # a transactional test: its own world, emptied after it


# (module, name) → (builder, the names of its parameters after `world`). Other modules may have a fixture of the same
# name; a prebuilt fixture serves the tests of its own module (elsewhere, it is built in the test).
_PREBUILT: dict[tuple[str, str], tuple[Callable[..., Any], list[str]]] = {}


def prebuilt(build: Callable[..., Any]) -> Any:
    """A fixture made from `build(world, **parameters)`, built once for a run of consecutive tests that ask for it with
    the same parameters (the test's own parametrized values of those names), in a savepoint of its own inside the
    shared world; each test runs in a savepoint inside that and gets a deep copy, as with `world`. For the setup that
    walks a case through many services before every case of a permission matrix. Order the parametrization so that
    cases with the same parameters come together. A transactional test builds it for itself."""
    parameters = list(inspect.signature(build).parameters)[1:]
    _PREBUILT[(build.__module__, build.__name__)] = (build, parameters)

    @pytest.fixture(name=build.__name__)
    def fixture(request: pytest.FixtureRequest, world: World) -> Any:
        prebuilt_objects: tuple[World, Any] | None = getattr(request.node, "_prebuilt", None)
        if prebuilt_objects is not None:
            return prebuilt_objects[1]
        return build(world, **{name: request.node.callspec.params[name] for name in parameters})

    return fixture


@pytest.fixture
def user_factory(db: None) -> type[UserFactory]:
    return UserFactory


# --- Fixtures that tests of several modules use (what they build lives in tests/builders/) ------------------------
# Imported inside the fixtures: the builders import `World` from this module.


@pytest.fixture
def cast(world: World) -> Any:
    """The people around a group activity of organisation A (tests/builders/community.py `activity_cast`)."""
    from tests.builders.community import activity_cast

    return activity_cast(world)


@pytest.fixture
def matches(world: World) -> Any:
    """An open support-family match in world.organisation (world.volunteer is the family), and one in another
    organisation: {True: own, False: foreign} (tests/builders/hostfamilies.py `open_matches`)."""
    from tests.builders.hostfamilies import open_matches

    return open_matches(world)


@pytest.fixture
def _close_thread_connections() -> Iterator[None]:
    """For the tests of the chat socket (`pytestmark = pytest.mark.usefixtures("_close_thread_connections")`).

    On PostgreSQL the consumer works in a pool of threads that ends with each test's event loop; a connection kept for
    reuse there would outlive its thread and keep the test database from being dropped."""
    import asyncio
    import gc

    from channels.db import database_sync_to_async

    settings_dict = connections["default"].settings_dict
    kept = settings_dict.get("CONN_MAX_AGE", 0)
    settings_dict["CONN_MAX_AGE"] = 0
    yield
    settings_dict["CONN_MAX_AGE"] = kept
    # On SQLite the consumer's database calls run in asgiref's one worker thread, whose connection outlives the test.
    asyncio.run(database_sync_to_async(connections.close_all)())
    # A connection object left behind by a pool thread that has ended closes when it is collected.
    gc.collect()
