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
    path("<str:code>/reviews/new/", views.review_open, name="review_open"),
    path("<str:code>/reviews/<int:review_id>/", views.review_detail, name="review"),
    path(
        "<str:code>/reviews/<int:review_id>/attendees/",
        views.review_attendees,
        name="review_attendees",
    ),
    path("<str:code>/reviews/<int:review_id>/close/", views.review_close, name="review_close"),
]
