from django.apps import AppConfig


class InsightsConfig(AppConfig):
    """The organisation's figures over the lessons each viewer may see; no models of its own."""

    name = "insights"
