"""/projects/<code>/kickoff/...: the kick-off briefing, in the "projects" namespace."""

from django.urls import path

from lessons.briefing import views

urlpatterns = [
    path("<str:code>/kickoff/", views.kickoff, name="kickoff"),
    path("<str:code>/kickoff/assign/", views.kickoff_assign, name="kickoff_assign"),
    path(
        "<str:code>/kickoff/unassign/<int:assignment_id>/",
        views.kickoff_unassign,
        name="kickoff_unassign",
    ),
    path("<str:code>/kickoff/reviewed/", views.kickoff_reviewed, name="kickoff_reviewed"),
    path(
        "<str:code>/kickoff/lessons/<int:lesson_id>/action/",
        views.kickoff_action,
        name="kickoff_action",
    ),
    path(
        "<str:code>/kickoff/lessons/<int:lesson_id>/plan/",
        views.kickoff_plan,
        name="kickoff_plan",
    ),
]
