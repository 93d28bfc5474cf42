"""Who may give a person a login, deactivate it and reset its password, role by role.

The act is ``user.manage`` on the person's unit (``apps/access/authority.py``): the HQ and
unit administrators where their grant reaches. Written out by hand here, as in
``test_authority.py``, so that a change of a role bundle that changes who may do it fails."""

import pytest
from django.contrib.auth import get_user_model

from apps.access import services
from apps.access.roles import DEFAULT_ROLES
from apps.people.models import Person
from tests.factories.people import make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db

ACCOUNT_MANAGERS = {"hq_admin", "unit_admin"}


@pytest.mark.parametrize("role", list(DEFAULT_ROLES))
def test_only_administrators_of_the_persons_unit_manage_its_login(tree, api, role):
    actor = user_with_role(role, tree.station)
    client = api(actor)
    mine, other = make_person(tree.station), make_person(tree.station2)
    allowed = role in ACCOUNT_MANAGERS

    created = client.post(f"/api/people/{mine.pk}/account/", {"username": f"p_{role}"}, format="json")
    assert created.status_code == (201 if allowed else 403), (role, created.content)
    if not allowed:
        Person.objects.filter(pk=mine.pk).update(user=make_user(f"p_{role}"))
    for act in ("deactivate/", "reset-password/"):
        response = client.post(f"/api/people/{mine.pk}/account/{act}", {}, format="json")
        assert response.status_code == (200 if allowed else 403), (role, act, response.content)
    for act in ("", "deactivate/", "reset-password/"):
        response = client.post(
            f"/api/people/{other.pk}/account/{act}", {"username": "x_other"}, format="json"
        )
        assert response.status_code == 404, (role, act, response.status_code)
    assert not get_user_model().objects.filter(username="x_other").exists()


def test_a_superuser_gives_any_person_a_login(tree):
    root = make_user("root", is_superuser=True)
    user, password = services.person_account_create(
        person=make_person(tree.station3), actor=root, username="anyone"
    )
    assert user.check_password(password) and not user.is_superuser


def test_a_battalion_admin_manages_logins_in_the_stations_below(tree, api):
    client = api(user_with_role("unit_admin", tree.bat))
    person = make_person(tree.station2)
    assert (
        client.post(f"/api/people/{person.pk}/account/", {"username": "below"}, format="json").status_code
        == 201
    )
