from .views import FollowUpViewSet, TalkContentAccessViewSet, TalkPolicyViewSet, TalkRecordViewSet

ROUTES = [
    ("talks/records", TalkRecordViewSet, "talk-record"),
    ("talks/followups", FollowUpViewSet, "talk-followup"),
    ("talks/policies", TalkPolicyViewSet, "talk-policy"),
    ("talks/content-reads", TalkContentAccessViewSet, "talk-content-read"),
]
