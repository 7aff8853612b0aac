"""manage.py insights_refresh: make the roll-up of counts for the figures about groups again, and make sure the
nightly refresh is queued.

After that, a worker (`manage.py db_worker`) makes the roll-up every night at INSIGHTS_REFRESH_HOUR (default 3:
03:00 local time) and queues the next night's run itself (`insights.tasks.tally_refresh_nightly`), so this
command is needed once on a new install (or never: `demo_load` and the first page that finds no roll-up start
the chain too). Running it again never queues a second nightly run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from insights.services import dashboards_warm, tally_refresh, tally_refresh_next_run, tally_refresh_schedule


class Command(BaseCommand):
    help = "Make the roll-up of counts for the figures about groups again, and queue the nightly refresh."

    def handle(self, *args: Any, **options: Any) -> None:
        run = tally_refresh()
        self.stdout.write(f"{run.rows} rows in {run.seconds} s")
        self.stdout.write(f"{dashboards_warm()} dashboards worked out ahead of their first view")
        if tally_refresh_schedule():
            self.stdout.write(f"Nightly refresh queued for {tally_refresh_next_run():%Y-%m-%d %H:%M}.")
