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
