"""A unit's upcoming meetings as an iCalendar feed, and the user's calendar feed token.

The feed is opened by a session, the API token in the ``Authorization`` header, or the
user's calendar feed token in ``?token=`` (``apps.reports.feeds``); an API token in the URL
is refused.
"""

import datetime

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from icalendar import Calendar, Event
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.units.models import Unit

from .feeds import FeedTokenAuthentication, feed_token_issue, feed_token_revoke
from .models import CalendarFeedToken, Meeting


@extend_schema(exclude=True)  # an iCalendar file, not JSON
@api_view(["GET"])
@authentication_classes([FeedTokenAuthentication, SessionAuthentication, TokenAuthentication])
@permission_classes([IsAuthenticated])
def unit_meetings_ics(request, unit_id: int):
    unit = Unit.objects.visible_to(request.user, "view").filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    since = timezone.now() - datetime.timedelta(days=1)
    meetings = (
        Meeting.objects.visible_to(request.user, "view")
        .filter(organisation__unit__path__startswith=unit.path, starts_at__gte=since)
        .select_related("organisation")
        .order_by("starts_at")[:500]
    )
    calendar = Calendar()
    calendar.add("prodid", "-//OrgPortal//消防救援队伍党建工作平台//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{unit.name} 会议安排")
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@orgportal")
        event.add("summary", f"{meeting.get_kind_display()}：{meeting.topic}")
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at or meeting.starts_at + datetime.timedelta(hours=1))
        event.add("location", meeting.place)
        event.add("description", meeting.organisation.name)
        calendar.add_component(event)
    return HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")


@extend_schema(exclude=True)
@api_view(["GET", "POST", "DELETE"])
@authentication_classes([SessionAuthentication, TokenAuthentication])
@permission_classes([IsAuthenticated])
def feed_token(request):
    """The caller's own calendar feed token: GET whether one exists, POST issues a new one
    (shown once; the previous one stops working), DELETE revokes it."""
    if request.method == "POST":
        key = feed_token_issue(user=request.user)
        unit = Unit.objects.visible_to(request.user, "view").order_by("depth", "path").first()
        example = (
            request.build_absolute_uri(reverse("reports:unit-meetings-ics", args=[unit.pk])) + f"?token={key}"
            if unit
            else None
        )
        return Response({"token": key, "feed_url": example}, status=201)
    if request.method == "DELETE":
        feed_token_revoke(user=request.user)
        return Response(status=204)
    token = CalendarFeedToken.objects.filter(user=request.user).first()
    return Response(
        {
            "exists": token is not None,
            "created_at": token.created_at if token else None,
            "last_used_at": token.last_used_at if token else None,
        }
    )
