from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("<str:code>/", views.project_detail, name="detail"),
    path("<str:code>/members/", views.member_add, name="member_add"),
    path(
        "<str:code>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
]
