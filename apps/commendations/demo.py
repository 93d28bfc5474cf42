"""Demo nominations in every state, waiting items in each demo approver's inbox, the
遵义会址消防救援站 branch's 先进基层党组织 nomination of the seed report (climbed to the
bureau, survived an objection, awarded, published as an exemplary model) and the 26
通报表扬 awards of 长治支队's epidemic campaign issued in one circular."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.access.models import Grant, Role
from apps.party.models import PartyOrganisation
from apps.people.models import Person
from apps.units.models import Unit

from . import services
from .models import AwardKind, Nomination, Quota


def _people(unit_code, n, offset=0):
    unit = Unit.objects.get(code=unit_code)
    return list(Person.objects.filter(unit__path__startswith=unit.path).order_by("pk")[offset : offset + n])


def load(ctx):
    users = ctx.get("users", {})
    needed = [
        "demo_huizhi",
        "demo_zunyi_secretary",
        "demo_approver_battalion",
        "demo_approver_zunyi",
        "demo_approver_guizhou",
        "demo_approver_bureau",
        "demo_zunyi",
        "demo_changzhi",
    ]
    if not all(u in users for u in needed) or not Person.objects.exists():
        return
    u = users
    year = timezone.localdate().year
    kinds = {k.code: k for k in AwardKind.objects.all()}
    units = {
        x.code: x
        for x in Unit.objects.filter(code__in=["XFJ", "GZ", "GZ-ZY", "GZ-ZY-HH", "GZ-ZY-HH-HZ", "SX-CZ"])
    }
    Quota.objects.create(unit=units["GZ"], award_kind=kinds["merit_third"], year=year, limit=10)
    Quota.objects.create(unit=units["SX-CZ"], award_kind=kinds["circular_praise"], year=year, limit=30)
    station, drafter, secretary = units["GZ-ZY-HH-HZ"], u["demo_huizhi"], u["demo_zunyi_secretary"]
    chain = [
        u["demo_approver_battalion"],
        u["demo_approver_zunyi"],
        u["demo_approver_guizhou"],
        u["demo_approver_bureau"],
    ]
    heroes = _people("GZ-ZY-HH-HZ", 12)

    def nominate(award, person=None, unit=station, by=drafter, **subject):
        return services.nomination_create(
            actor=by,
            unit=unit,
            award_kind=kinds[award],
            year=year,
            deeds=f"{(person or subject.get('subject_organisation') or unit).__str__()}在抢险救援和党建工作中表现突出，事迹感人。",
            subject_person=person,
            **subject,
        )

    def climb(n, approvers, reviewer=secretary):
        n = services.nomination_submit(nomination=n, actor=n.drafted_by)
        n = services.nomination_review(nomination=n, actor=reviewer)
        for approver in approvers:
            n = services.nomination_approve(nomination=n, actor=approver, comment="同意")
        return n

    # Scenario 4: the branch of 遵义会址消防救援站, up to the bureau, objection dismissed, awarded.
    branch = PartyOrganisation.objects.filter(unit=station, kind="branch").first()
    if branch is not None:
        n = climb(nominate("advanced_party_org", subject_organisation=branch), chain)
        objection = services.nomination_object(
            nomination=n, actor=u["demo_viewer"], reason="反映该支部个别党员组织生活参加不够"
        )
        services.objection_resolve(
            objection=objection,
            actor=chain[-1],
            upheld=False,
            resolution="经核查，该支部组织生活记录完整，异议不成立。",
        )
        Nomination.objects.filter(pk=n.pk).update(
            notice_ends_on=timezone.localdate() - datetime.timedelta(days=1)
        )
        services.notices_close()
        services.award_order_issue(
            unit=units["XFJ"],
            number=f"应急消〔{year}〕18号",
            title="关于表彰全国消防救援队伍先进基层党组织的决定",
            nominations=[n],
            exemplary=[n],
            actor=u["demo_admin"],
        )

    # Waiting in each approver's inbox.
    climb(nominate("circular_praise", heroes[0]), [])  # at the battalion
    climb(nominate("commendation", heroes[1]), [])
    climb(nominate("merit_third", heroes[2]), chain[:1])  # at 遵义支队
    zy = units["GZ-ZY"]
    climb(
        nominate("excellent_party_worker", _people("GZ-ZY", 1, 3)[0], unit=zy, by=u["demo_zunyi"]), []
    )  # at the corps
    climb(
        nominate("merit_first", _people("GZ-ZY", 1, 4)[0], unit=zy, by=u["demo_zunyi"]), chain[2:3]
    )  # at the bureau
    # In notice with an open objection, in notice, and the other states.
    held = climb(nominate("excellent_member", heroes[3]), chain[:3])
    services.nomination_object(nomination=held, actor=u["demo_viewer"], reason="对推荐人选事迹有不同意见")
    climb(nominate("circular_praise", heroes[4]), chain[:2])
    nominate("commendation", heroes[5])  # draft
    services.nomination_submit(
        nomination=nominate("circular_praise", heroes[6]), actor=drafter
    )  # awaiting review
    services.nomination_return(
        nomination=climb(nominate("merit_third", heroes[7]), []),
        actor=chain[0],
        comment="请补充抢险救援现场照片等证明材料",
    )
    services.nomination_reject(
        nomination=climb(nominate("commendation", heroes[8]), []), actor=chain[0], comment="不符合嘉奖条件"
    )
    services.nomination_withdraw(nomination=climb(nominate("circular_praise", heroes[9]), []), actor=drafter)

    # Scenario 1: 26 通报表扬 at 长治支队 after the epidemic campaign, one circular.
    approver = get_user_model().objects.create_user(
        "demo_approver_changzhi", password=ctx["password"], last_name="秦", first_name="长治", is_staff=True
    )
    Grant.objects.create(user=approver, unit=units["SX-CZ"], role=Role.objects.get(code="approver"))
    users["demo_approver_changzhi"] = approver
    ctx.setdefault("logins", []).append(("demo_approver_changzhi", "长治支队审批人"))
    awarded = []
    for person in _people("SX-CZ", 26):
        n = services.nomination_create(
            actor=u["demo_changzhi"],
            unit=units["SX-CZ"],
            award_kind=kinds["circular_praise"],
            year=year,
            deeds="疫情防控一线表现突出。",
            subject_person=person,
            source_note="防疫一线临时党支部推荐",
        )
        awarded.append(n)
    for n in awarded:
        services.nomination_submit(nomination=n, actor=n.drafted_by)
        services.nomination_review(nomination=n, actor=_reviewer(ctx, units["SX-CZ"]))
        services.nomination_approve(nomination=n, actor=approver, comment="同意")
    Nomination.objects.filter(pk__in=[n.pk for n in awarded]).update(
        notice_ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    services.notices_close()
    services.award_order_issue(
        unit=units["SX-CZ"],
        number=f"长消〔{year}〕9号",
        title="关于对疫情防控一线表现突出人员予以通报表扬的决定",
        nominations=awarded,
        actor=u["demo_admin"],
    )


def _reviewer(ctx, unit):
    """The detachment's party secretary (created for the demo if the access demo has none)."""
    user = ctx["users"].get("demo_changzhi_secretary")
    if user is None:
        user = get_user_model().objects.create_user(
            "demo_changzhi_secretary",
            password=ctx["password"],
            last_name="程",
            first_name="书记",
            is_staff=True,
        )
        Grant.objects.create(user=user, unit=unit, role=Role.objects.get(code="secretary"))
        ctx["users"]["demo_changzhi_secretary"] = user
    return user
