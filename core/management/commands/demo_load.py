from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from core.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo world (made-up people in real Dutch municipalities). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo goes through the real services, which send notices; made-up people need none, and a newcomer's
        # `make run` should not start with dozens of emails on the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            demo_load()
        self.stdout.write(self.style.SUCCESS("Demo world loaded."))
