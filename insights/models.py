"""Pre-aggregated counts for the figures about groups (a roll-up the database makes from the other apps' tables).

A `Tally` row is a count of requests or matches with the same support form, measure, paying and residence
municipality, organisation, quarter and value: never a person (no key to a young person, a case or a match, and a
count of one is a count). It is rebuilt as a whole by `insights.services.tally_refresh`, in one transaction, from
grouped queries; the dashboard then sums a few thousand of these rows instead of joining tens of thousands of
records on every page view. `TallyRun` says when that happened (the pages show it).
"""

from __future__ import annotations

from django.db import models


class Tally(models.Model):
    class Measure(models.TextChoices):
        REQUEST = "request"  # asked in the quarter; value 0
        START = "start"  # started in the quarter; value 0
        WAIT = "wait"  # started in the quarter; value = completed weeks waited since the request (at most 52)
        END = "end"  # ended in the quarter; value = END_KINDS index
        ACTIVE = "active"  # running at the end of the quarter; value 0
        COHORT = "cohort"  # started up to the end of the quarter; value 0: all, 1: lasted 6 months, 2: 12 months

    form = models.CharField(max_length=20)
    measure = models.CharField(max_length=10, choices=Measure.choices)
    # Each count is kept once by paying municipality and once by municipality of residence (`basis`), so either
    # view reads only its own rows. Plain numbers, not keys: the table is thrown away and rebuilt, and must never
    # hold up a change elsewhere.
    basis = models.CharField(max_length=10)
    area = models.IntegerField()
    organisation = models.IntegerField()
    quarter = models.DateField()
    value = models.IntegerField(default=0)
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["basis", "measure", "area", "quarter"], name="tally_measure_area_quarter"),
            models.Index(fields=["basis", "measure", "organisation", "quarter"], name="tally_measure_org_quarter"),
        ]


class TallyRun(models.Model):
    finished_at = models.DateTimeField()
    rows = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        ordering = ["-finished_at"]
