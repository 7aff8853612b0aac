"""Train the fit model on past matches' outcomes, store it as a new version and make it the current one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matching.features import history_from_database
from matching.model import improves_on_rules, save, synthetic_history, train


class Command(BaseCommand):
    help = (
        "Train the matching fit model on past support-family matches (did they last six months?) and make it the "
        "current version. --synthetic trains on a made-up history instead (the demo)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--synthetic",
            type=int,
            nargs="?",
            const=4000,
            default=None,
            metavar="N",
            help="train on N made-up past matches (default 4000) instead of the database",
        )
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--min-matches", type=int, default=200, help="refuse to train on fewer matches with a known outcome"
        )
        parser.add_argument("--dir", type=Path, default=None, help="the model store (default MATCHING_MODEL_DIR)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="put the new model in use even if it ranks held-out matches worse than the rule score alone",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["synthetic"] is not None:
            history = synthetic_history(options["synthetic"], seed=options["seed"])
        else:
            history = history_from_database()
        if len(history.lasted) < options["min_matches"]:
            raise CommandError(
                f"Only {len(history.lasted)} past matches with a known outcome; at least {options['min_matches']} "
                "are needed. The rule score stays in use."
            )
        try:
            estimator, metrics = train(history, seed=options["seed"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        current = options["force"] or improves_on_rules(metrics)
        version = save(estimator, metrics, source=history.source, directory=options["dir"], make_current=current)
        self.stdout.write(json.dumps({"version": version, "source": history.source, "in_use": current, **metrics}))
