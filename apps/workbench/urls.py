"""The workbench, mounted at the site root by orgportal/urls.py."""

from django.urls import path

from .views import board, delegations, home, nominations, reports, talks
from .views.auth import SignInView, SignOutView

app_name = "workbench"
urlpatterns = [
    path("", home.home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", SignOutView.as_view(), name="logout"),
    path("reports/zero/<int:unit_id>/confirm/", reports.zero_confirm, name="zero-confirm"),
    path("reports/zero/<int:unit_id>/file/", reports.zero_file, name="zero-file"),
    path("reports/zero/<int:unit_id>/items/", reports.zero_items, name="zero-items"),
    path("reports/weekly/new/", reports.weekly_new, name="weekly-new"),
    path("talks/new/", talks.talk_new, name="talk-new"),
    path("talks/people/", talks.people_search, name="talk-people"),
    path("talks/owners/", talks.followup_owners_fragment, name="talk-owners"),
    path("talks/followup-row/", talks.followup_row, name="talk-followup-row"),
    path("talks/<int:pk>/", talks.talk_detail, name="talk"),
    path("followups/<int:pk>/done/", talks.followup_done, name="followup-done"),
    path("nominations/new/", nominations.nomination_new, name="nomination-new"),
    path("nominations/<int:pk>/edit/", nominations.nomination_edit, name="nomination-edit"),
    path("inbox/", nominations.inbox_page, name="inbox"),
    path("inbox/bulk/", nominations.bulk_approve, name="inbox-bulk"),
    path("inbox/<int:pk>/", nominations.decision_page, name="decision"),
    path("inbox/<int:pk>/<str:action>/", nominations.decide, name="decide"),
    path("board/", board.board_page, name="board"),
    path("delegations/", delegations.delegations, name="delegations"),
    path("delegations/<int:pk>/end/", delegations.delegation_end, name="delegation-end"),
]
