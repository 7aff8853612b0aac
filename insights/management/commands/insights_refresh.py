"""manage.py insights_refresh: make the roll-up of counts for the figures about groups again (run it nightly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insights.services import tally_refresh


class Command(BaseCommand):
    help = "Make the roll-up of counts for the figures about groups again."

    def handle(self, *args: Any, **options: Any) -> None:
        run = tally_refresh()
        self.stdout.write(f"{run.rows} rows in {run.seconds} s")
