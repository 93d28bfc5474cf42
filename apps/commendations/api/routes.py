from .views import (
    AwardKindViewSet,
    AwardOrderViewSet,
    DelegationViewSet,
    ExemplaryModelViewSet,
    NominationViewSet,
    QuotaViewSet,
)

ROUTES = [
    ("commendations/nominations", NominationViewSet, "nomination"),
    ("commendations/award-kinds", AwardKindViewSet, "award-kind"),
    ("commendations/quotas", QuotaViewSet, "quota"),
    ("commendations/delegations", DelegationViewSet, "delegation"),
    ("commendations/orders", AwardOrderViewSet, "award-order"),
    ("commendations/exemplary", ExemplaryModelViewSet, "exemplary-model"),
]
