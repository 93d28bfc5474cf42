from django.apps import AppConfig


class CommendationsConfig(AppConfig):
    name = "apps.commendations"
    verbose_name = "表彰奖励"
