"""Quotas per period: a half-year or quarter quota counts only the awards finally approved in
its months; the whole-year quota counts them all; the dashboard's "used" is the same count."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.commendations import services
from apps.commendations.models import PERIOD_MONTHS, Nomination, Quota
from apps.commendations.selectors import pipeline_figures
from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
S = Nomination.Status
TODAY = timezone.localdate()
THIS_QUARTER = f"Q{(TODAY.month - 1) // 3 + 1}"
OTHER_QUARTER = f"Q{(TODAY.month + 2) // 3 % 4 + 1}"  # the next quarter (Q4 → Q1)


def _in_notice(tree, crew, year=2026):
    return advance(
        make_nomination(tree.station, crew.drafter, make_person(tree.station), year=year),
        crew.reviewer,
        crew.bat,
        crew.det,
    )


def _waiting(tree, crew, year=2026):
    return advance(
        make_nomination(tree.station, crew.drafter, make_person(tree.station), year=year),
        crew.reviewer,
        crew.bat,
    )


def test_final_approval_records_its_date(tree, crew):
    assert _in_notice(tree, crew).approved_on == TODAY


def test_a_quarter_quota_counts_only_the_awards_approved_in_that_quarter(tree, crew):
    assert OTHER_QUARTER != THIS_QUARTER
    Quota.objects.create(unit=tree.det, award_kind=kind(), year=2026, period=THIS_QUARTER, limit=1)
    earlier = _in_notice(tree, crew)
    other_months = PERIOD_MONTHS[OTHER_QUARTER]
    Nomination.objects.filter(pk=earlier.pk).update(
        approved_on=datetime.date(TODAY.year, other_months[0], 1)
    )  # approved in another quarter: not this quarter's place
    second = _in_notice(tree, crew)
    assert second.status == S.NOTICE
    third = _waiting(tree, crew)
    with pytest.raises(ValidationError) as exc:
        services.nomination_approve(nomination=third, actor=crew.det)
    assert "名额" in str(exc.value) and "季度" in str(exc.value)
    third.refresh_from_db()
    assert third.status == S.APPROVING and third.approved_on is None


def test_a_quota_of_another_period_does_not_apply_and_the_whole_year_still_counts_everything(tree, crew):
    Quota.objects.create(unit=tree.det, award_kind=kind(), year=2026, period=OTHER_QUARTER, limit=0)
    assert _in_notice(tree, crew).status == S.NOTICE  # today is outside that quarter
    Quota.objects.create(unit=tree.bat, award_kind=kind(), year=2026, period="", limit=2)
    first = Nomination.objects.get(status=S.NOTICE)
    Nomination.objects.filter(pk=first.pk).update(approved_on=datetime.date(TODAY.year, 1, 1))
    assert _in_notice(tree, crew).status == S.NOTICE
    with pytest.raises(ValidationError):
        services.nomination_approve(nomination=_waiting(tree, crew), actor=crew.det)


def test_quota_rows_are_unique_per_period_through_the_api(tree, crew, api):
    admin = user_with_role("unit_admin", tree.det, "quota_admin")
    url = "/api/commendations/quotas/"
    row = {"unit": tree.bat.pk, "award_kind": kind().pk, "year": 2026, "limit": 3}  # set from above
    assert api(admin).post(url, row, format="json").status_code == 201
    assert api(admin).post(url, {**row, "period": "H1"}, format="json").status_code == 201
    duplicate = api(admin).post(url, {**row, "period": "H1"}, format="json")
    assert duplicate.status_code == 400
    bad = api(admin).post(url, {**row, "period": "Q9"}, format="json")
    assert bad.status_code == 400 and "period" in bad.json()
    assert Quota.objects.count() == 2
    assert api(crew.bat).post(url, {**row, "period": "Q1"}, format="json").status_code == 403  # approver


def test_the_dashboard_quota_use_is_what_the_final_approval_counts(tree, crew):
    year = 2026
    quotas = [
        Quota.objects.create(unit=tree.det, award_kind=kind(), year=year, limit=5),
        Quota.objects.create(unit=tree.bat, award_kind=kind(), year=year, period=THIS_QUARTER, limit=4),
        Quota.objects.create(unit=tree.bat, award_kind=kind(), year=year, period=OTHER_QUARTER, limit=4),
        Quota.objects.create(unit=tree.det2, award_kind=kind(), year=year, limit=1),
        Quota.objects.create(unit=tree.det, award_kind=kind("commendation"), year=year, limit=1),
    ]
    for _ in range(3):
        _in_notice(tree, crew, year)
    services.nomination_object(
        nomination=Nomination.objects.filter(status=S.NOTICE).first(), actor=crew.bat, reason="x"
    )
    _waiting(tree, crew, year)  # not counted yet
    _in_notice(tree, crew, year - 1)  # another year
    hq = user_with_role("hq_admin", tree.corps, "quota_hq")
    shown = {
        (r["unit_id"], r["award_kind_id"], r["period"]): (r["quota"], r["used"])
        for r in pipeline_figures(user=hq, root=tree.corps, year=year)["quota_use"]
    }
    for quota in quotas:
        a, b = quota.months
        brute = sum(
            1
            for n in Nomination.objects.all()
            if n.award_kind_id == quota.award_kind_id
            and n.year == quota.year
            and n.status in services.COUNTED
            and n.unit.path.startswith(quota.unit.path)
            and a <= n.approved_on.month <= b
        )
        assert shown[(quota.unit_id, quota.award_kind_id, quota.period)] == (quota.limit, brute)
    assert shown[(tree.det.pk, kind().pk, "")] == (5, 3)
    assert shown[(tree.bat.pk, kind().pk, OTHER_QUARTER)] == (4, 0)
