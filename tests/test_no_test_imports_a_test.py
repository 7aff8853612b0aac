"""No test module imports another test module (issue #24).

What several test files share (builders, constants, fake transports, fixtures) lives in `tests/builders/`, in a
`conftest.py`, or in `tests/factories.py`: importing a test module runs its module-level code again under another
name, ties one file's tests to another's internals, and makes pytest see the imported fixtures twice. Dotted paths in
strings (`settings.SMS_TRANSPORT = "tests.test_x.Transport"`) count as imports too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# A module of the tests package whose name starts with test_, at any depth (tests.test_x, tests.browser.test_y).
_TEST_MODULE = re.compile(r"^tests(\.[A-Za-z_][A-Za-z0-9_]*)*\.test_[A-Za-z0-9_]*(\.|$)")


def _package_of(path: Path) -> str:
    return ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])


def imports_of_test_modules(source: str, path: Path) -> list[str]:
    """Every other `tests....test_*` module that `source` (the text of `path`) imports or names by dotted path (a
    module may name its own classes, as in `settings.SMS_TRANSPORT = "tests.test_messaging.FakeTwilioTransport"`)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _TEST_MODULE.match(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # relative: `from .test_x import y`, `from . import test_x`
                base = _package_of(path).split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, module] if module else base)
            if _TEST_MODULE.match(module):
                found.append(module)
            else:
                found += [
                    f"{module}.{alias.name}" for alias in node.names if _TEST_MODULE.match(f"{module}.{alias.name}")
                ]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _TEST_MODULE.match(node.value):
            found.append(node.value)
    itself = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
    return [name for name in found if name != itself and not name.startswith(itself + ".")]


def test_the_check_sees_each_kind_of_import() -> None:
    path = TESTS / "test_example.py"
    source = "\n".join(
        [
            "from tests.test_mentors import JIM_TEXTS",
            "import tests.browser.test_flows",
            "def f():",
            "    from tests.test_messaging import triad",
            "from .test_community import data",
            "from tests import test_insights",
            'SMS = "tests.test_login_by_code.RecordingTransport"',
            'OWN = "tests.test_example.FakeTransport"',
        ]
    )
    assert imports_of_test_modules(source, path) == [
        "tests.test_mentors",
        "tests.browser.test_flows",
        "tests.test_community",
        "tests.test_insights",
        "tests.test_messaging",
        "tests.test_login_by_code.RecordingTransport",
    ]
    allowed = (
        "from tests.builders.mentors import JIM_TEXTS\nfrom tests.factories import CaseFactory\nimport tests.conftest"
    )
    assert imports_of_test_modules(allowed, path) == []


def test_no_test_module_imports_a_test_module() -> None:
    offenders = [
        f"{path.relative_to(TESTS.parent)}: {module}"
        for path in sorted(TESTS.rglob("*.py"))
        if path.name != Path(__file__).name
        for module in imports_of_test_modules(path.read_text(encoding="utf-8"), path)
    ]
    assert offenders == [], "move what these share into tests/builders/ or a conftest.py:\n" + "\n".join(offenders)
