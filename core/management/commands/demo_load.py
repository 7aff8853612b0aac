from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo world (made-up people in real Dutch municipalities). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        demo_load()
        self.stdout.write(self.style.SUCCESS("Demo world loaded."))
