"""Nominations for tests."""

from apps.commendations import services
from apps.commendations.models import AwardKind


def kind(code="circular_praise"):
    return AwardKind.objects.get(code=code)


def make_nomination(unit, drafter, subject_person=None, award="circular_praise", year=2026, **extra):
    return services.nomination_create(
        actor=drafter,
        unit=unit,
        award_kind=kind(award),
        year=year,
        deeds="抢险救援表现突出。",
        subject_person=subject_person,
        **extra,
    )


def advance(nomination, *actors):
    """Submit by the drafter, review, then approve with each actor in turn."""
    nomination = services.nomination_submit(nomination=nomination, actor=nomination.drafted_by)
    reviewer, *approvers = actors
    nomination = services.nomination_review(nomination=nomination, actor=reviewer)
    for approver in approvers:
        nomination = services.nomination_approve(nomination=nomination, actor=approver)
    return nomination


def make_attachment(nomination, actor=None, name="deeds.pdf", content=b"%PDF-1.4 evidence"):
    """An evidence file through the service (the nomination must be a draft)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.attachment_add(
        nomination=nomination, file=SimpleUploadedFile(name, content), actor=actor or nomination.drafted_by
    )


def attachment_in(unit, ctx):
    """For tests/security/objects.py: an attachment on a draft nomination drafted in ``unit``.
    Written directly (no storage rules): the matrix only probes who can reach it."""
    from django.core.files.base import ContentFile

    from apps.commendations.models import Attachment
    from tests.factories.people import make_person

    nomination = make_nomination(unit, ctx.root_user, make_person(unit))
    attachment = Attachment(nomination=nomination, uploaded_by=ctx.root_user, original_name="a.pdf", size=4)
    attachment.file.save("a.pdf", ContentFile(b"%PDF"), save=True)
    return attachment


def published_evaluation(*, person=None, organisation=None, subject_unit=None, year=2026, status="published"):
    """A scored-and-published evaluation of one subject (written directly: the commendations
    tests only need a result to point at)."""
    from decimal import Decimal

    from apps.evaluations.models import Evaluation, Scheme

    if person is not None:
        kind_, code, unit = "person", "annual", person.unit
    elif organisation is not None and organisation.kind == "party_group":
        kind_, code, unit = "party_group", "group_rating", organisation.unit
    elif organisation is not None:
        kind_, code, unit = "party_org", "six_plus_one", organisation.unit
    else:
        kind_, code, unit = "unit", "satisfaction", subject_unit
    scheme = Scheme.objects.get(code=code)
    return Evaluation.objects.create(
        scheme=scheme,
        year=year,
        subject_kind=kind_,
        person=person,
        organisation=organisation,
        subject_unit=subject_unit,
        unit=unit,
        status=status,
        total=Decimal("95"),
        grade="优秀",
    )


def accepted_honour(group, *, year=2026, members=()):
    """年度先进党小组 accepted for ``group``, with the rating that earned it."""
    from apps.evaluations.models import GroupHonour, HonourStatus

    honour = GroupHonour.objects.create(
        year=year,
        group=group,
        branch=group.get_parent(),
        unit=group.unit,
        evaluation=published_evaluation(organisation=group, year=year),
        rank_in_branch=1,
        status=HonourStatus.ACCEPTED,
    )
    honour.members.set(members)
    return honour
