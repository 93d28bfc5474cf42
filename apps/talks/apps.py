from django.apps import AppConfig


class TalksConfig(AppConfig):
    name = "apps.talks"
    verbose_name = "谈心谈话"
