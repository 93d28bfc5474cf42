"""A unit's upcoming meetings as an iCalendar feed (session or token authenticated)."""

import datetime

from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from icalendar import Calendar, Event
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import IsAuthenticated

from apps.units.models import Unit

from .models import Meeting


class FeedTokenAuthentication(TokenAuthentication):
    """The user's API token in ``?token=``: calendar clients subscribe to a URL and send no headers."""

    def authenticate(self, request):
        key = request.query_params.get("token")
        return self.authenticate_credentials(key) if key else None


@extend_schema(exclude=True)  # an iCalendar file, not JSON
@api_view(["GET"])
@authentication_classes([SessionAuthentication, TokenAuthentication, FeedTokenAuthentication])
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
