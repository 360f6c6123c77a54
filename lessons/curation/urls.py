"""/curation/: the curators' pages (lessons.curation.views), checklists included."""

from django.urls import path

from lessons.checklists import urls as checklist_urls
from lessons.curation import views

app_name = "curation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("due/", views.due, name="due"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("archived/", views.archived, name="archived"),
    path("lessons/<int:pk>/", views.review, name="review"),
    # A transition of the review page (lessons.workflow.TRANSITIONS): approve, reject,
    # send-back, archive, unarchive, still-valid, merge.
    path("lessons/<int:pk>/<slug:transition>/", views.make_transition, name="act"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:pk>/", views.tag_detail, name="tag"),
    path("tags/<int:pk>/rename/", views.tag_rename, name="tag_rename"),
    path("tags/<int:pk>/merge/", views.tag_merge, name="tag_merge"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("categories/", views.category_list, name="categories"),
    path("categories/<int:pk>/", views.category_detail, name="category"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
]

urlpatterns += checklist_urls.urlpatterns
