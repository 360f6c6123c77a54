from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation (``seed_demo``) and generated lessons for benchmarks."""

    name = "demo"
