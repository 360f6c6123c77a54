from django.urls import path

from lessons import views
from lessons.capture import views as capture
from lessons.practice import views as practice
from lessons.search import views as search
from lessons.transfer import views as transfer

app_name = "lessons"

urlpatterns = [
    path("", search.lesson_list, name="list"),
    path("export.csv", transfer.export_csv, name="export_csv"),
    path("export.xlsx", transfer.export_xlsx, name="export_xlsx"),
    path("export.json", transfer.export_json, name="export_json"),
    # Before the <int:pk>/ routes (lessons/transfer.py).
    path("import/", transfer.upload, name="import"),
    path("import/done/", transfer.done, name="import_done"),
    path("import/<str:token>/", transfer.mapping, name="import_mapping"),
    path("tags.json", capture.tag_suggestions, name="tag_suggestions"),
    path("new/", capture.lesson_create, name="create"),
    path("<int:pk>/", views.lesson_detail, name="detail"),
    path("<int:pk>/edit/", capture.lesson_edit, name="edit"),
    path("<int:pk>/submit/", capture.lesson_submit, name="submit"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("<int:pk>/actions/", practice.action_add, name="action_add"),
    path("<int:pk>/actions/<int:action_id>/", practice.action_update, name="action_update"),
    path("<int:pk>/actions/<int:action_id>/edit/", practice.action_edit, name="action_edit"),
    path("<int:pk>/applications/", practice.application_add, name="application_add"),
]
