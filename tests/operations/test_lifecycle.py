"""平转战 and 战转平: activation and closing are services with history; closing twice
changes nothing; an operation in the wrong state refuses in Chinese."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.operations import services
from apps.operations.models import Operation
from apps.party.models import CampaignTeam, PartyOrganisation, TeamMembership
from apps.people.models import PartyMembership

pytestmark = pytest.mark.django_db


def _activate_with_branch(ops, operation):
    return services.operation_activate(
        operation=operation,
        actor=ops.secretary,
        organisations=[
            {
                "name": "防疫一线临时党支部",
                "unit": ops.tree.tqz,
                "parent": ops.committee,
                "members": ops.tqz_people,
            }
        ],
        teams=[
            {
                "name": "党员突击队",
                "kind": "commando",
                "unit": ops.tree.tqz,
                "organisation": "防疫一线临时党支部",
                "members": ops.tqz_people[:2],
            }
        ],
    )


def _snapshot(op):
    branch = PartyOrganisation.objects.get(name="防疫一线临时党支部")
    return {
        "operation": Operation.objects.filter(pk=op.pk).values().get(),
        "operation_history": Operation.history.filter(id=op.pk).count(),
        "branch": PartyOrganisation.objects.filter(pk=branch.pk).values().get(),
        "branch_history": PartyOrganisation.history.filter(id=branch.pk).count(),
        "teams": list(CampaignTeam.objects.values().order_by("pk")),
        "team_history": CampaignTeam.history.count(),
        "party_memberships": list(PartyMembership.objects.values().order_by("pk")),
        "team_memberships": list(TeamMembership.objects.values().order_by("pk")),
    }


def test_activation_sets_up_the_branch_and_team_in_one_transaction(ops, operation):
    op = _activate_with_branch(ops, operation)
    assert op.status == "active" and op.reporting and op.activated_by == ops.secretary
    assert (
        PartyMembership.objects.filter(organisation__name="防疫一线临时党支部", end_date__isnull=True).count()
        == 4
    )
    assert op.frontline.count() == 2
    assert Operation.history.filter(id=op.pk).first().history_change_reason == "平转战：启动战时行动"


def test_a_failing_team_rolls_back_the_whole_activation(ops, operation):
    with pytest.raises(ValidationError):
        services.operation_activate(
            operation=operation,
            actor=ops.secretary,
            organisations=[{"name": "临时党支部", "unit": ops.tree.tqz, "parent": ops.committee}],
            teams=[
                {
                    "name": "突击队",
                    "kind": "commando",
                    "unit": ops.tree.station3,
                    "organisation": "临时党支部",
                }
            ],
        )
    operation.refresh_from_db()
    assert operation.status == "draft"
    assert not PartyOrganisation.objects.filter(name="临时党支部").exists()


def test_closing_twice_changes_nothing(ops, operation):
    op = _activate_with_branch(ops, operation)
    services.operation_close(operation=op, actor=ops.secretary, note="转入常态化防控")
    first = _snapshot(op)
    again = services.operation_close(operation=op, actor=ops.secretary, note="另一次说明")
    assert again.status == "closed"
    assert _snapshot(op) == first
    assert first["branch"]["closed_on"] is not None
    assert all(
        m["end_date"] for m in first["party_memberships"] if m["organisation_id"] == first["branch"]["id"]
    )


def test_closing_twice_through_the_api_changes_nothing(ops, operation, api):
    op = _activate_with_branch(ops, operation)
    client = api(ops.secretary)
    first = client.post(f"/api/operations/{op.pk}/close/", {"note": "结束"}, format="json")
    snapshot = _snapshot(op)
    second = client.post(f"/api/operations/{op.pk}/close/", {"note": "再次结束"}, format="json")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert _snapshot(op) == snapshot


def test_activating_an_active_operation_is_refused(ops, active):
    with pytest.raises(ValidationError) as refusal:
        services.operation_activate(operation=active, actor=ops.secretary)
    assert refusal.value.message_dict == {"status": ["该战时行动已处于战时状态。"]}


def test_a_closed_operation_cannot_be_activated_again_or_edited(ops, active):
    services.operation_close(operation=active, actor=ops.secretary)
    with pytest.raises(ValidationError):
        services.operation_activate(operation=active, actor=ops.secretary)
    with pytest.raises(ValidationError):
        services.operation_update(operation=active, actor=ops.admin, name="改名")


def test_a_draft_cannot_be_closed_and_an_active_one_cannot_be_deleted(ops, operation):
    with pytest.raises(ValidationError):
        services.operation_close(operation=operation, actor=ops.secretary)
    op = services.operation_activate(operation=operation, actor=ops.secretary)
    with pytest.raises(PermissionDenied):
        services.operation_delete(operation=op, actor=ops.admin)


def test_a_viewer_may_neither_activate_nor_close(ops, operation):
    with pytest.raises(PermissionDenied):
        services.operation_activate(operation=operation, actor=ops.viewer)
    op = services.operation_activate(operation=operation, actor=ops.secretary)
    with pytest.raises(PermissionDenied):
        services.operation_close(operation=op, actor=ops.station_staff)


def test_coverage_is_frozen_once_the_operation_runs(ops, active):
    with pytest.raises(ValidationError) as refusal:
        services.operation_update(operation=active, actor=ops.admin, coverage_root=ops.tree.bat)
    assert "coverage_root" in refusal.value.message_dict


def test_chosen_units_cover_their_subtrees_only(ops):
    op = services.operation_create(
        name="防汛救灾",
        kind="flood",
        unit=ops.tree.det,
        start_date=ops.start,
        reason="汛情",
        coverage="chosen",
        units=[ops.tree.station, ops.tree.tqz],
        actor=ops.admin,
    )
    assert set(op.covered.values_list("unit__name", flat=True)) == {"甲站", "甲站一班", "特勤站"}


def test_units_outside_the_committee_are_refused(ops):
    with pytest.raises(ValidationError) as refusal:
        services.operation_create(
            name="防汛救灾",
            kind="flood",
            unit=ops.tree.det,
            start_date=ops.start,
            reason="汛情",
            coverage="chosen",
            units=[ops.tree.station3],
            actor=ops.admin,
        )
    assert refusal.value.message_dict == {"units": ["所选单位须在指挥单位所辖范围之内。"]}


def test_a_draft_cannot_take_observations(ops, operation):
    with pytest.raises(ValidationError) as refusal:
        services.observation_record(
            operation=operation,
            person=ops.tqz_people[0],
            date=ops.today,
            category="vanguard",
            conduct="冲锋在前",
            actor=ops.secretary,
        )
    assert "operation" in refusal.value.message_dict


def test_a_draft_is_deleted_with_its_working_groups(ops, operation):
    services.working_group_create(operation=operation, name="宣传组", actor=ops.admin)
    services.operation_delete(operation=operation, actor=ops.admin)
    assert not Operation.objects.filter(pk=operation.pk).exists()
