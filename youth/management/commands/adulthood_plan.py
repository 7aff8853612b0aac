"""Queue the 18th-birthday task for every young person who has none waiting (`youth.services.adulthood_plan_all`).

Run once after deploying the task (records registered before it existed get theirs), and any time after: a young
person whose birthday task is already queued or done is skipped, and the task does its work once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from youth.services import adulthood_plan_all


class Command(BaseCommand):
    help = "Queue the 18th-birthday task for every young person who has none waiting."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = adulthood_plan_all()
        self.stdout.write(f"{queued} queued")
