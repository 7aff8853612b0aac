"""Capacity under a rush: simultaneous enrolments for the last place, on PostgreSQL (where the row lock holds)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from tests.builders.training import CourseFactory, SessionFactory
from tests.factories import OrganisationFactory, VolunteerFactory
from training import services
from training.models import Enrolment, Session
from volunteers.models import Volunteer

RUSH = 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks; run with DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_ten_volunteers_at_once_for_one_place_leave_exactly_one_enrolled() -> None:
    organisation = OrganisationFactory()
    session = SessionFactory(course=CourseFactory(organisation=organisation), capacity=1)
    volunteer_ids = [VolunteerFactory(organisation=organisation).pk for _ in range(RUSH)]
    start = threading.Barrier(RUSH)
    outcomes: list[str] = []
    lock = threading.Lock()

    def enrol(volunteer_id: int) -> None:
        try:
            volunteer = Volunteer.objects.get(pk=volunteer_id)
            target = Session.objects.get(pk=session.pk)
            start.wait()
            try:
                services.session_enrol(volunteer=volunteer, session=target)
                outcome = "enrolled"
            except ValidationError as error:
                outcome = " ".join(error.messages)
            with lock:
                outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enrol, args=(pk,)) for pk in volunteer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(outcomes) == RUSH
    assert outcomes.count("enrolled") == 1
    assert outcomes.count("Deze bijeenkomst is vol. Je kunt op de wachtlijst.") == RUSH - 1
    assert Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks; run with DATABASE_URL")
@pytest.mark.django_db(transaction=True)
def test_a_rush_for_the_waiting_list_keeps_everyone_once_and_the_capacity() -> None:
    organisation = OrganisationFactory()
    session = SessionFactory(course=CourseFactory(organisation=organisation), capacity=3)
    volunteer_ids = [VolunteerFactory(organisation=organisation).pk for _ in range(RUSH)]
    start = threading.Barrier(RUSH)

    def enrol(volunteer_id: int) -> None:
        try:
            volunteer = Volunteer.objects.get(pk=volunteer_id)
            start.wait()
            services.session_enrol(volunteer=volunteer, session=session, waiting_list=True)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=enrol, args=(pk,)) for pk in volunteer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = list(Enrolment.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count(Enrolment.Status.ENROLLED) == 3
    assert statuses.count(Enrolment.Status.WAITING) == RUSH - 3
