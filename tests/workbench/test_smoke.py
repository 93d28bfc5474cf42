import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["station_admin", "secretary", "approver", "hq", "other_station_admin"])
def test_home_renders_for_each_role(wb, login, who):
    response = login(getattr(wb, who)).get("/")
    assert response.status_code == 200, response.content.decode()[:2000]
