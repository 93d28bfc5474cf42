from django.urls import path

from .views import feed_token, unit_meetings_ics

app_name = "reports"
urlpatterns = [
    path("units/<int:unit_id>/meetings.ics", unit_meetings_ics, name="unit-meetings-ics"),
    path("feed-token/", feed_token, name="feed-token"),
]
