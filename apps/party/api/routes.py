from .views import CampaignTeamViewSet, PartyOrganisationViewSet, PartyPositionViewSet, TeamMembershipViewSet

ROUTES = [
    ("party/organisations", PartyOrganisationViewSet, "party-organisation"),
    ("party/positions", PartyPositionViewSet, "party-position"),
    ("party/teams", CampaignTeamViewSet, "campaign-team"),
    ("party/team-members", TeamMembershipViewSet, "team-membership"),
]
