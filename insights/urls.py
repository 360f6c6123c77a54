"""/insights/: the organisation's figures (names without a namespace, as the pages link them)."""

from django.urls import path

from insights import views

urlpatterns = [
    path("", views.insights_page, name="insights"),
    path("actions/", views.insights_actions, name="insights_actions"),
]
