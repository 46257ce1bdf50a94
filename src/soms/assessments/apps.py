from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "soms.assessments"
    verbose_name = "Assessments"

    def ready(self) -> None:
        # Registers the object rules, the scopes and the people app's assessor scope.
        from soms.assessments import access  # noqa: F401
        from soms.assessments.services import people_changes

        # Merging or erasing a person (people app) keeps their assessments and attainment right.
        people_changes.connect()
