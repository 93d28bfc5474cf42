"""A person's login account through the API: a unit administrator gives a person of their
scope a login, deactivates it and resets its password (``apps.access.services``, rule
``user.manage``); viewers are refused, other units' people are not found, bad input writes
nothing."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.people.models import Person
from tests.factories.people import make_person
from tests.factories.units import grant, make_user, user_with_role

pytestmark = pytest.mark.django_db

User = get_user_model()
GOOD_PASSWORD = "Huoyan-jiuyuan-2026"


def account_url(person, act=""):
    return f"/api/people/{person.pk}/account/{act}"


def give_login(client, person, username="chen_zm", **extra):
    return client.post(account_url(person), {"username": username, **extra}, format="json")


def signs_in(username, password) -> bool:
    return Client().login(username=username, password=password)


def token_works(key) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get("/api/me/").status_code == 200


@pytest.fixture
def admin(tree):
    return user_with_role("unit_admin", tree.station, "station_admin")


def test_unit_admin_gives_a_person_in_scope_a_login_with_a_password_shown_once(tree, api, admin):
    person = make_person(tree.station, name="陈遵明")

    response = give_login(api(admin), person)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["person"], body["username"], body["is_active"]) == (person.pk, "chen_zm", True)
    assert len(body["password"]) >= 12
    user = Person.objects.get(pk=person.pk).user
    assert user.username == "chen_zm" and not user.is_staff and not user.is_superuser
    assert (user.last_name, user.first_name) == ("陈", "遵明")
    assert not user.grants.exists()
    assert signs_in("chen_zm", body["password"])
    latest = Person.objects.get(pk=person.pk).history.first()
    assert latest.history_user == admin and "chen_zm" in latest.history_change_reason
    assert LogEntry.objects.filter(user=admin, object_id=str(user.pk), action_flag=ADDITION).exists()


def test_a_chosen_initial_password_is_set_and_not_echoed(tree, api, admin):
    person = make_person(tree.station)
    response = give_login(api(admin), person, password=GOOD_PASSWORD)
    assert response.status_code == 201, response.content
    assert response.json()["password"] is None
    assert signs_in("chen_zm", GOOD_PASSWORD)


@pytest.mark.parametrize(
    "password, words",
    [("12345", "至少需要 10 个字符"), ("1234567890123", "全是数字"), ("password123", "太常见")],
)
def test_a_weak_password_is_refused_in_chinese_and_nothing_is_written(tree, api, admin, password, words):
    person = make_person(tree.station)
    users_before, logs_before = User.objects.count(), LogEntry.objects.count()

    response = give_login(api(admin), person, password=password)

    assert response.status_code == 400
    assert any(words in message for message in response.json()["password"]), response.json()
    assert (User.objects.count(), LogEntry.objects.count()) == (users_before, logs_before)
    assert Person.objects.get(pk=person.pk).user_id is None


@pytest.mark.parametrize("username", ["", "has space", "x" * 151])
def test_a_bad_username_is_refused_by_field(tree, api, admin, username):
    person = make_person(tree.station)
    response = give_login(api(admin), person, username=username)
    assert response.status_code == 400 and "username" in response.json()
    assert Person.objects.get(pk=person.pk).user_id is None


def test_a_username_in_use_in_any_case_is_refused(tree, api, admin):
    make_user("Chen_ZM")
    person = make_person(tree.station)
    response = give_login(api(admin), person)
    assert response.status_code == 400
    assert response.json() == {"username": ["该用户名已被使用。"]}
    assert Person.objects.get(pk=person.pk).user_id is None


def test_a_person_who_already_has_a_login_gets_400_in_chinese(tree, api, admin):
    person = make_person(tree.station)
    assert give_login(api(admin), person).status_code == 201
    users_before = User.objects.count()

    again = give_login(api(admin), person, username="another")

    assert again.status_code == 400
    assert again.json() == {"account": ["该人员已有登录账号。"]}
    assert User.objects.count() == users_before


def test_a_person_who_left_gets_no_login(tree, api, admin):
    person = make_person(tree.station, is_active=False)
    response = give_login(api(admin), person)
    assert response.status_code == 400 and "account" in response.json()


def test_viewer_is_refused_with_403_and_nothing_is_written(tree, api):
    person = make_person(tree.station)
    viewer = user_with_role("viewer", tree.station)
    users_before = User.objects.count()
    assert give_login(api(viewer), person).status_code == 403
    assert User.objects.count() == users_before
    linked = make_user("linked")
    Person.objects.filter(pk=person.pk).update(user=linked)
    assert api(viewer).post(account_url(person, "deactivate/")).status_code == 403
    assert api(viewer).post(account_url(person, "reset-password/"), {}, format="json").status_code == 403
    linked.refresh_from_db()
    assert linked.is_active and linked.check_password("Test-pass-2026")


def test_another_units_person_is_not_found(tree, api, admin):
    other = make_person(tree.station2)
    client = api(admin)
    assert give_login(client, other).status_code == 404
    assert client.post(account_url(other, "deactivate/")).status_code == 404
    assert client.post(account_url(other, "reset-password/"), {}, format="json").status_code == 404
    assert Person.objects.get(pk=other.pk).user_id is None


def test_a_deactivated_login_can_no_longer_sign_in_nor_use_its_token_or_session(tree, api, admin):
    person = make_person(tree.station)
    password = give_login(api(admin), person).json()["password"]
    user = Person.objects.get(pk=person.pk).user
    key = Token.objects.create(user=user).key
    session = Client()
    assert session.login(username="chen_zm", password=password)
    assert token_works(key) and session.get("/api/me/").status_code == 200

    response = api(admin).post(account_url(person, "deactivate/"))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "person": person.pk,
        "username": "chen_zm",
        "is_active": False,
        "password": None,
    }
    assert not signs_in("chen_zm", password)
    assert not Token.objects.filter(user=user).exists() and not token_works(key)
    assert session.get("/api/me/").status_code in (401, 403)
    assert LogEntry.objects.filter(user=admin, object_id=str(user.pk), action_flag=CHANGE).exists()
    again = api(admin).post(account_url(person, "deactivate/"))
    assert again.status_code == 200 and again.json()["is_active"] is False


def test_reset_password_sets_the_given_one_and_ends_tokens_and_sessions(tree, api, admin):
    person = make_person(tree.station)
    old = give_login(api(admin), person).json()["password"]
    user = Person.objects.get(pk=person.pk).user
    key = Token.objects.create(user=user).key
    session = Client()
    assert session.login(username="chen_zm", password=old)

    response = api(admin).post(
        account_url(person, "reset-password/"), {"password": GOOD_PASSWORD}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["password"] is None
    assert signs_in("chen_zm", GOOD_PASSWORD) and not signs_in("chen_zm", old)
    assert not token_works(key)
    assert session.get("/api/me/").status_code in (401, 403)
    assert LogEntry.objects.filter(
        user=admin, object_id=str(user.pk), change_message__contains="重置"
    ).exists()


def test_reset_password_without_one_answers_a_generated_password_once(tree, api, admin):
    person = make_person(tree.station)
    give_login(api(admin), person, password=GOOD_PASSWORD)
    response = api(admin).post(account_url(person, "reset-password/"), {}, format="json")
    assert response.status_code == 200
    assert signs_in("chen_zm", response.json()["password"]) and not signs_in("chen_zm", GOOD_PASSWORD)


def test_a_weak_reset_password_is_refused_in_chinese_and_the_old_one_stays(tree, api, admin):
    person = make_person(tree.station)
    give_login(api(admin), person, password=GOOD_PASSWORD)
    response = api(admin).post(
        account_url(person, "reset-password/"), {"password": "chen_zm1"}, format="json"
    )
    assert response.status_code == 400 and "password" in response.json()
    assert signs_in("chen_zm", GOOD_PASSWORD)


def test_deactivating_or_resetting_a_person_without_a_login_is_400(tree, api, admin):
    person = make_person(tree.station)
    for act in ("deactivate/", "reset-password/"):
        response = api(admin).post(account_url(person, act), {}, format="json")
        assert response.status_code == 400
        assert response.json() == {"account": ["该人员还没有登录账号。"]}


def test_a_station_admin_cannot_touch_the_login_of_someone_holding_grants_above_them(tree, api, admin):
    chief = make_user("chief")
    grant(chief, tree.corps, "hq_admin")
    person = make_person(tree.station, user=chief)
    for act in ("deactivate/", "reset-password/"):
        assert api(admin).post(account_url(person, act), {}, format="json").status_code == 403
    chief.refresh_from_db()
    assert chief.is_active and chief.check_password("Test-pass-2026")


def test_an_admin_does_not_deactivate_their_own_login_through_people(tree, api, admin):
    person = make_person(tree.station, user=admin)
    assert api(admin).post(account_url(person, "deactivate/")).status_code == 403
    admin.refresh_from_db()
    assert admin.is_active


def test_a_deactivated_login_is_reactivated_by_the_unit_admin_and_signs_in_again(tree, api, admin):
    person = make_person(tree.station)
    password = give_login(api(admin), person).json()["password"]
    api(admin).post(account_url(person, "deactivate/"))
    assert not signs_in("chen_zm", password)

    response = api(admin).post(account_url(person, "reactivate/"))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "person": person.pk,
        "username": "chen_zm",
        "is_active": True,
        "password": None,
    }
    assert signs_in("chen_zm", password)
    user = Person.objects.get(pk=person.pk).user
    assert LogEntry.objects.filter(
        user=admin, object_id=str(user.pk), change_message__contains="恢复"
    ).exists()


def test_reactivation_is_refused_to_a_viewer_and_for_another_units_person_and_for_one_who_left(
    tree, api, admin
):
    person = make_person(tree.station)
    give_login(api(admin), person)
    api(admin).post(account_url(person, "deactivate/"))
    viewer = user_with_role("viewer", tree.station, "station_viewer")
    elsewhere = make_person(tree.station2)
    give_login(api(user_with_role("unit_admin", tree.station2, "other_admin")), elsewhere, username="li_si")

    assert api(viewer).post(account_url(person, "reactivate/")).status_code == 403
    assert api(admin).post(account_url(elsewhere, "reactivate/")).status_code == 404
    Person.objects.filter(pk=person.pk).update(is_active=False)  # the person has left
    left = api(admin).post(account_url(person, "reactivate/"))
    assert left.status_code == 400 and "离开" in str(left.json())
    assert not Person.objects.get(pk=person.pk).user.is_active
