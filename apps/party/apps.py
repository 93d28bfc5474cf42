from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "apps.party"
    verbose_name = "党组织"
