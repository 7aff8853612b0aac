"""The layers of DESIGN.md ("Layout") are enforced by import-linter in `make lint`: these tests prove that the
contract can fail. They run `lint-imports` on a copy of the project's source, once as it is (kept) and once with
one import that goes up a layer (broken)."""

from __future__ import annotations

import ast
import io
import shutil
import subprocess
import sys
import tokenize
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACT = "Layers: an app imports only from the layers below it"


def _copy_source(to: Path) -> None:
    """The .py files of every root package of the contract, and pyproject.toml (where the contract lives)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for package in config["tool"]["importlinter"]["root_packages"]:
        for source in (ROOT / package).rglob("*.py"):
            target = to / source.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    shutil.copyfile(ROOT / "pyproject.toml", to / "pyproject.toml")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    # A fixed program of our own virtualenv with fixed arguments, no shell.
    return subprocess.run(  # noqa: S603
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_project_keeps_its_layers(tmp_path: Path) -> None:
    _copy_source(tmp_path)
    result = _lint_imports(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{CONTRACT} (DESIGN.md, Layout) KEPT" in result.stdout


def test_an_import_up_a_layer_breaks_the_contract(tmp_path: Path) -> None:
    _copy_source(tmp_path)
    geo = tmp_path / "core" / "geo.py"
    source = geo.read_text()
    assert "from __future__ import annotations\n" in source
    geo.write_text(
        source.replace(
            "from __future__ import annotations\n", "from __future__ import annotations\n\nimport mentors.models\n", 1
        )
    )
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{CONTRACT} (DESIGN.md, Layout) BROKEN" in result.stdout
    assert "core is not allowed to import mentors" in result.stdout
    assert "core.geo -> mentors.models" in result.stdout


# --- Imports inside functions ------------------------------------------------------------------------------------
# An import belongs at the top of its module (DESIGN.md, "How code is written"): one inside a function hides a
# dependency, often a cycle. Where one is needed (services ↔ tasks, AppConfig.ready()), a one-line comment on its
# line or the line before says why; a run of imports directly under one comment shares it.


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _function_level_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """The imports inside a function or method, outside `if TYPE_CHECKING:` blocks (those never run)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        # Of an `if TYPE_CHECKING:` block only its `else:` runs.
        typing_only = isinstance(node, ast.If) and _is_type_checking(node.test)
        children = node.orelse if isinstance(node, ast.If) and typing_only else list(ast.iter_child_nodes(node))
        for child in children:
            if isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                found.append(child)
            visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    visit(tree, False)
    return found


def _comment_lines(source: str) -> set[int]:
    return {
        token.start[0]
        for token in tokenize.generate_tokens(io.StringIO(source).readline)
        if token.type == tokenize.COMMENT
    }


def _imports_without_reason(path: Path) -> list[tuple[int, str]]:
    """(line, import) of each function-level import in the module with no comment saying why."""
    source = path.read_text()
    comments = _comment_lines(source)
    imports = sorted(_function_level_imports(ast.parse(source, filename=str(path))), key=lambda node: node.lineno)
    explained_until = 0  # the last line of a run of imports that a comment explains
    missing = []
    for node in imports:
        end = node.end_lineno or node.lineno
        lines = range(node.lineno, end + 1)
        if any(line in comments for line in lines) or node.lineno - 1 in comments or node.lineno - 1 == explained_until:
            explained_until = end
        else:
            missing.append((node.lineno, ast.unparse(node)))
    return missing


def _our_modules() -> list[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return sorted(
        source
        for package in config["tool"]["importlinter"]["root_packages"]
        for source in (ROOT / package).rglob("*.py")
        if "migrations" not in source.relative_to(ROOT).parts
    )


def test_no_function_level_import_without_reason() -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{line}: {statement}"
        for path in _our_modules()
        for line, statement in _imports_without_reason(path)
    ]
    assert not missing, "Imports inside functions without a comment saying why:\n" + "\n".join(missing)


def test_the_import_check_sees_an_import_without_reason(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "\n"
        "\n"
        "def f():\n"
        "    if TYPE_CHECKING:\n"
        "        import json\n"  # never runs: not counted
        "    else:\n"
        "        import csv\n"
        "    # tasks imports this module: at call time\n"
        "    from os import path\n"
        "    from os import sep\n"  # under the same comment
        "    import sys  # for argv\n"
        "\n"
        "    import re\n"
        "    return path, sep, sys, re, csv\n"
    )
    assert _imports_without_reason(module) == [(8, "import csv"), (14, "import re")]
