"""Building a busy operation by the services, for the board and query-count tests."""

import datetime

from django.contrib.auth import get_user_model

from apps.operations import services
from apps.party.models import OrganisationKind
from tests.factories.people import make_person
from tests.factories.talks import make_talk


def populate(ops, op, *, scale: int = 1, seed: int = 0):
    """Temporary organisations, teams, pledges, front line, care, reports over several days
    (some missing, some late), visits, observations and a commendation, ``scale`` times."""
    t = ops.tree
    superuser = get_user_model().objects.filter(
        is_superuser=True
    ).first() or get_user_model().objects.create_superuser(f"root{seed}", password="x")
    for n in range(scale):
        tag = f"{seed}-{n}"
        people = {
            unit: [make_person(unit, f"{unit.name}人员{tag}-{i}") for i in range(2)]
            for unit in (t.station, t.station2, t.tqz, t.squad)
        }
        org = services.organisation_setup(
            operation=op,
            actor=ops.secretary,
            name=f"临时党支部{tag}",
            unit=t.tqz,
            parent=ops.committee,
            members=people[t.tqz],
        )
        team = services.team_setup(
            operation=op,
            actor=ops.secretary,
            name=f"突击队{tag}",
            kind="commando",
            unit=t.station,
            organisation=org if n % 2 else ops.branch,
            members=people[t.station][:1],
        )
        pledges = []
        for group in people.values():
            for i, person in enumerate(group):
                pledges.append(
                    services.pledge_file(
                        operation=op, person=person, actor=ops.admin, kind="petition", volunteer=i == 0
                    )
                )
        services.pledges_assign_team(pledges=[p for p in pledges if p.volunteer], team=team, actor=ops.admin)
        extra = people[t.station2][1]
        services.frontline_add(operation=op, person=extra, actor=ops.admin, isolated=True)
        for item in ("talk", "home_visit", "solidarity", "difficulty"):
            services.care_record(operation=op, person=extra, item=item, actor=ops.admin)
        full = people[t.tqz][1]
        services.frontline_add(operation=op, person=full, actor=ops.admin)
        make_talk(full, superuser, date=ops.today, kind="wartime")
        for item in ("home_visit", "solidarity", "difficulty"):
            services.care_record(operation=op, person=full, item=item, actor=ops.admin)
        services.visit_record(
            operation=op, inspector=ops.deputy, unit=t.station, date=ops.today, actor=ops.admin
        )
        services.observation_record(
            operation=op,
            person=people[t.station][1],
            date=ops.today,
            category="worked_ill",
            conduct="带病坚持工作",
            actor=ops.secretary,
        )
        services.commendation_issue(
            operation=op,
            title=f"通报表扬{tag}",
            number=f"文号{tag}",
            entries=[{"person": p, "deeds": "表现突出"} for p in people[t.tqz] + people[t.station][:1]],
            actor=ops.secretary,
        )
    _reports(ops, op, seed)
    return op


def _reports(ops, op, seed):
    t = ops.tree
    day = op.start_date
    k = seed
    while day <= ops.today:
        for unit in (t.station, t.station2, t.tqz):
            k += 1
            if k % 4 == 0:
                continue  # missing
            services.daily_report_file(
                operation=op,
                unit=unit,
                report_date=day,
                on_duty=10 + k % 5,
                difficulties_raised=k % 3,
                difficulties_solved=k % 2,
                suggestions="\n".join(f"建议{i}" for i in range(k % 3)),
                actor=ops.admin,
            )
        day += datetime.timedelta(days=1)


def group_reporting(ops):
    """A second party group (under 甲站党支部) for party-group reporting."""
    from tests.factories.people import make_org

    return make_org(ops.tree.squad, OrganisationKind.PARTY_GROUP, parent=ops.branch, name="甲站二班党小组")
