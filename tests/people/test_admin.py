"""People in the admin: scoped lists, masked ID numbers, transfers and imports."""

import pytest

from apps.people.models import mask_id_number
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def test_unit_admin_sees_masked_id_numbers_in_list_and_change_page(tree, client):
    person = make_person(tree.station)
    client.force_login(user_with_role("unit_admin", tree.det))
    listing = client.get("/admin/people/person/").content.decode()
    assert mask_id_number(person.id_number) in listing
    assert person.id_number not in listing
    page = client.get(f"/admin/people/person/{person.pk}/change/").content.decode()
    assert person.id_number not in page
    assert mask_id_number(person.id_number) in page


def test_hq_admin_sees_full_id_numbers(tree, client):
    person = make_person(tree.station)
    client.force_login(user_with_role("hq_admin", tree.corps))
    assert person.id_number in client.get("/admin/people/person/").content.decode()


def test_search_by_id_number_finds_people_whose_number_the_user_may_see(tree, client):
    person = make_person(tree.station, name="查找对象")
    make_person(tree.station, name="别人")
    client.force_login(user_with_role("hq_admin", tree.det))
    result = client.get("/admin/people/person/", {"q": person.id_number})
    assert [p.pk for p in result.context["cl"].result_list] == [person.pk]


def test_search_by_a_masked_id_number_finds_nothing_in_the_admin(tree, client):
    person = make_person(tree.station, name="查找对象")
    client.force_login(user_with_role("unit_admin", tree.det))
    result = client.get("/admin/people/person/", {"q": person.id_number})
    assert list(result.context["cl"].result_list) == []
    by_name = client.get("/admin/people/person/", {"q": "查找"})
    assert [p.pk for p in by_name.context["cl"].result_list] == [person.pk]


def test_admin_changelist_is_scoped_and_query_count_is_constant(tree, client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_person(tree.station3, name="外单位")
    client.force_login(user_with_role("unit_admin", tree.det))
    for _ in range(2):
        make_person(tree.station)
    client.get("/admin/people/person/")
    with CaptureQueriesContext(connection) as few:
        response = client.get("/admin/people/person/")
    assert "外单位" not in response.content.decode()
    for _ in range(25):
        make_person(tree.station2)
    with CaptureQueriesContext(connection) as many:
        client.get("/admin/people/person/")
    assert len(many) == len(few)


def test_transfer_from_the_admin_refuses_units_outside_scope(tree, client):
    person = make_person(tree.station)
    client.force_login(user_with_role("unit_admin", tree.det))
    refused = client.post(
        f"/admin/people/person/{person.pk}/transfer/", {"to_unit": tree.station3.pk, "on": "2025-05-01"}
    )
    assert refused.status_code == 200 and refused.context["form"].errors["to_unit"]
    done = client.post(
        f"/admin/people/person/{person.pk}/transfer/", {"to_unit": tree.tqz.pk, "on": "2025-05-01"}
    )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.unit == tree.tqz


def test_import_page_reports_a_bad_file(tree, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(user_with_role("unit_admin", tree.det))
    assert client.get("/admin/people/person/import/").status_code == 200
    response = client.post(
        "/admin/people/person/import/", {"unit": tree.det.pk, "file": SimpleUploadedFile("a.csv", b"x")}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
