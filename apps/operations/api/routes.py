"""REST routes of this app, mounted under /api/ by orgportal/urls.py."""

from .views import (
    CareActionViewSet,
    DailyAssessmentViewSet,
    DailyReportViewSet,
    FrontlinePersonViewSet,
    InspectionVisitViewSet,
    ObservationLinkViewSet,
    ObservationViewSet,
    OperationOrganisationViewSet,
    OperationTeamViewSet,
    OperationViewSet,
    PledgeViewSet,
    QuickCommendationViewSet,
    ReportContentAccessViewSet,
    SectorAssignmentViewSet,
    WorkingGroupMemberViewSet,
    WorkingGroupViewSet,
)

ROUTES = [
    ("operations/working-groups", WorkingGroupViewSet, "ops-working-group"),
    ("operations/working-group-members", WorkingGroupMemberViewSet, "ops-working-group-member"),
    ("operations/organisations", OperationOrganisationViewSet, "ops-organisation"),
    ("operations/teams", OperationTeamViewSet, "ops-team"),
    ("operations/sectors", SectorAssignmentViewSet, "ops-sector"),
    ("operations/visits", InspectionVisitViewSet, "ops-visit"),
    ("operations/pledges", PledgeViewSet, "ops-pledge"),
    ("operations/frontline", FrontlinePersonViewSet, "ops-frontline"),
    ("operations/care", CareActionViewSet, "ops-care"),
    ("operations/daily-reports", DailyReportViewSet, "ops-daily-report"),
    ("operations/report-reads", ReportContentAccessViewSet, "ops-report-read"),
    ("operations/assessments", DailyAssessmentViewSet, "ops-assessment"),
    ("operations/observations", ObservationViewSet, "ops-observation"),
    ("operations/observation-links", ObservationLinkViewSet, "ops-observation-link"),
    ("operations/commendations", QuickCommendationViewSet, "ops-commendation"),
    ("operations", OperationViewSet, "operation"),
]
