from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top of the house: home page, start and demo commands. It may import every feature app;
    no feature app imports it."""

    name = "soms.site"
    label = "site"
    verbose_name = "SOMS site"
