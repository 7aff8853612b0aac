"""The layers of DESIGN.md ("Layout") are enforced by import-linter in `make lint`: these tests prove that the
contract can fail. They run `lint-imports` on a copy of the project's source, once as it is (kept) and once with
one import that goes up a layer (broken)."""

from __future__ import annotations

import shutil
import subprocess
import sys
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
