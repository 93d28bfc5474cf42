from .views import (
    DailyComplianceViewSet,
    DecisionViewSet,
    DeliberationListViewSet,
    GroupWeeklyReportViewSet,
    MeetingViewSet,
    ReportingPolicyViewSet,
    ResponsibilityItemViewSet,
    ZeroReportViewSet,
)

ROUTES = [
    ("reports/zero-reports", ZeroReportViewSet, "zero-report"),
    ("reports/compliance", DailyComplianceViewSet, "daily-compliance"),
    ("reports/group-weekly", GroupWeeklyReportViewSet, "group-weekly-report"),
    ("reports/meetings", MeetingViewSet, "meeting"),
    ("reports/decisions", DecisionViewSet, "decision"),
    ("reports/deliberation-lists", DeliberationListViewSet, "deliberation-list"),
    ("reports/policies", ReportingPolicyViewSet, "reporting-policy"),
    ("reports/responsibilities", ResponsibilityItemViewSet, "responsibility-item"),
]
