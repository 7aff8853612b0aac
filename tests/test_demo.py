from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.management import call_command

from accounts.models import Municipality, Region


def _counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_demo_world_loads_twice_without_changing_anything(db: None, settings: Any, tmp_path: Path) -> None:
    settings.MATCHING_MODEL_DIR = str(tmp_path)
    call_command("demo_load")
    first = _counts()
    trained = (tmp_path / "current.json").read_text()
    call_command("demo_load")
    assert _counts() == first
    assert first["youth.YoungPerson"] >= 4
    assert (tmp_path / "current.json").read_text() == trained, "the fit model is trained once, not on every load"


def test_demo_world_uses_the_regions_named_in_the_sources(db: None, settings: Any, tmp_path: Path) -> None:
    settings.MATCHING_MODEL_DIR = str(tmp_path)
    call_command("demo_load")
    assert Municipality.objects.filter(region__name="Holland Rijnland").count() == 13
    assert {"Leiden", "Alphen aan den Rijn", "Katwijk", "Maastricht", "Heerlen", "Amersfoort"} <= set(
        Municipality.objects.values_list("name", flat=True)
    )
    assert {"Holland Rijnland", "Zuid-Limburg", "Eemland", "West-Brabant-West"} <= set(
        Region.objects.values_list("name", flat=True)
    )
