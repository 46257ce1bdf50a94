from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "soms.people"
    verbose_name = "People"
