from django.urls import path

from lessons import import_views, views

app_name = "lessons"

urlpatterns = [
    path("", views.lesson_list, name="list"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export.json", views.export_json, name="export_json"),
    # Before the <int:pk>/ routes (lessons/import_views.py).
    path("import/", import_views.upload, name="import"),
    path("import/done/", import_views.done, name="import_done"),
    path("import/<str:token>/", import_views.mapping, name="import_mapping"),
    path("tags.json", views.tag_suggestions, name="tag_suggestions"),
    path("new/", views.lesson_create, name="create"),
    path("<int:pk>/", views.lesson_detail, name="detail"),
    path("<int:pk>/edit/", views.lesson_edit, name="edit"),
    path("<int:pk>/submit/", views.lesson_submit, name="submit"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/actions/", views.action_add, name="action_add"),
    path("<int:pk>/actions/<int:action_id>/", views.action_update, name="action_update"),
    path("<int:pk>/actions/<int:action_id>/edit/", views.action_edit, name="action_edit"),
    path("<int:pk>/applications/", views.application_add, name="application_add"),
]
