"""Work out the stored consent answer again for every young person whose 12th, 16th or 18th birthday passed since it
was stored, or who has none (`youth.services.consent_state_refresh_due`).

The case lists are exact without it (they work the rule out for those rows), so it only keeps them fast. The
nightly job runs the same (insights.services.tally_refresh_nightly); this is for running it by hand, e.g. after
loading data with direct writes. Safe to run any time; one UPDATE."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from youth.services import consent_state_refresh_due


class Command(BaseCommand):
    help = "Work out the stored consent answer again where a birthday of the consent rule passed."

    def handle(self, *args: Any, **options: Any) -> None:
        refreshed = consent_state_refresh_due()
        self.stdout.write(f"{refreshed} refreshed")
