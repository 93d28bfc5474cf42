"""Demo nominations in every state, waiting items in each demo approver's inbox, the
遵义会址消防救援站 branch's 先进基层党组织 nomination of the seed report (climbed to the
bureau, survived an objection, awarded, published as an exemplary model) and the 26
通报表扬 awards of 长治支队's epidemic campaign issued in one circular. Evidence files on
the drafts, supporting links (a person's published annual assessment, an earlier award, and
先进党小组 nominations seeded from this year's accepted 年度先进党小组), a quarter quota."""

import datetime

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.access.models import Grant, Role
from apps.party.models import PartyOrganisation
from apps.people.models import Person
from apps.units.models import Unit

from . import services
from .models import AwardKind, Nomination, Quota

# A one-page PDF and a 1×1 PNG: the evidence files of the demo.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)


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
    quarter = f"Q{(timezone.localdate().month - 1) // 3 + 1}"
    Quota.objects.create(
        unit=units["GZ-ZY"], award_kind=kinds["circular_praise"], year=year, period=quarter, limit=5
    )
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
    # A draft with its evidence and the hero's published annual assessment as support.
    from apps.evaluations.models import Evaluation

    draft = nominate("commendation", heroes[5])
    assessments = Evaluation.objects.filter(person=heroes[5], status="published").order_by("-year")[:1]
    services.nomination_set_supports(
        nomination=draft, actor=drafter, supporting_evaluations=list(assessments)
    )
    services.attachment_add(
        nomination=draft, file=SimpleUploadedFile("先进事迹材料.pdf", DEMO_PDF), actor=drafter
    )
    services.nomination_submit(
        nomination=nominate("circular_praise", heroes[6]), actor=drafter
    )  # awaiting review
    returned = services.nomination_return(
        nomination=climb(nominate("merit_third", heroes[7]), []),
        actor=chain[0],
        comment="请补充抢险救援现场照片等证明材料",
    )
    services.attachment_add(
        nomination=returned, file=SimpleUploadedFile("抢险救援现场照片.png", DEMO_PNG), actor=drafter
    )
    # 先进党小组 drafts seeded from the latest accepted 年度先进党小组 of 遵义支队 (if any).
    from apps.evaluations.models import GroupHonour

    honour_year = (
        GroupHonour.objects.filter(status="accepted", unit__path__startswith=units["GZ-ZY"].path)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    seeded = (
        services.nominations_seed_from_honours(actor=u["demo_zunyi"], unit=units["GZ-ZY"], year=honour_year)
        if honour_year
        else []
    )
    if seeded:
        services.nomination_submit(nomination=seeded[0], actor=u["demo_zunyi"])
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
    # One of them, nominated again for 嘉奖, cites the circulated commendation as an earlier award.
    services.nomination_create(
        actor=u["demo_changzhi"],
        unit=units["SX-CZ"],
        award_kind=kinds["commendation"],
        year=year,
        deeds="疫情防控期间连续奋战，此前已获通报表扬，继续在抢险救援一线表现突出。",
        subject_person=awarded[0].subject_person,
        earlier_awards=[awarded[0]],
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
