from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from demo.world import demo_load
from matching.model import load_current


class Command(BaseCommand):
    help = "Load the demo world (made-up people in real Dutch municipalities). Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo goes through the real services, which send notices; made-up people need none, and a newcomer's
        # `make run` should not start with dozens of emails on the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            demo_load()
        # A fit model for the matching engine, trained on a made-up match history (a real one once matches end).
        if load_current() is None:
            call_command("matching_train", "--synthetic", stdout=StringIO())
        self.stdout.write(self.style.SUCCESS("Demo world loaded."))
