"""Every record model keeps a history of who changed what, including changes by services."""

import pytest
from django.apps import apps

from apps.people.services import person_transfer
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db

#: models that are logs or aggregates themselves, not records a user edits
NOT_AUDITED = {
    "talks.talkcontentaccess",
    "talks.coveragesnapshot",
    "reports.dailycompliance",
    "reports.zeroreportitem",
    "reports.attendance",
    "commendations.decision",
    "notifications.notification",
    "people.importjob",
    "access.unitpermission",
    "units.unitmove",
    "evaluations.criterion",
    "evaluations.gradeband",
    # an append-only read log, like talks.talkcontentaccess: it is itself the audit
    "operations.reportcontentaccess",
    # the coverage rows are written once, with the operation's history, and frozen at activation
    "operations.coveredunit",
}


def test_every_record_model_has_a_history():
    from apps.core.scoping import ScopedModel

    missing = [
        m._meta.label_lower
        for m in apps.get_models()
        if m.__module__.startswith("apps.")
        and not m.__name__.startswith("Historical")
        and issubclass(m, ScopedModel)
        and m._meta.label_lower not in NOT_AUDITED
        and not hasattr(m._meta, "simple_history_manager_attribute")
    ]
    assert not missing, f"record models without history: {missing}"


def test_api_changes_record_who_changed_what(tree, api):
    admin = user_with_role("unit_admin", tree.station, "auditor_target")
    person = make_person(tree.station, name="旧名")
    api(admin).patch(f"/api/people/{person.pk}/", {"name": "新名"}, format="json")
    latest = person.history.latest()
    assert (latest.name, latest.history_user, latest.history_type) == ("新名", admin, "~")
    assert latest.prev_record.name == "旧名"


def test_service_changes_are_in_the_history(tree, api):
    admin = user_with_role("unit_admin", tree.bat, "transfer_actor")
    person = make_person(tree.station)
    response = api(admin).post(
        f"/api/people/{person.pk}/transfer/", {"to_unit": tree.station2.pk, "on": "2026-01-01"}, format="json"
    )
    assert response.status_code == 200
    assert person.history.latest().unit_id == tree.station2.pk
    assert person.history.latest().history_user == admin
    person_transfer(person=person, to_unit=tree.station, on=__import__("datetime").date(2026, 3, 1))
    assert person.history.count() >= 3


def test_hq_sees_the_history_in_the_admin(tree, client):
    person = make_person(tree.station)
    client.force_login(user_with_role("hq_admin", tree.corps, "hq_auditor"))
    assert client.get(f"/admin/people/person/{person.pk}/history/").status_code == 200
