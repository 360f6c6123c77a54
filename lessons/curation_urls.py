"""/curation/: the curators' pages (lessons.curation_views)."""

from django.urls import path

from lessons import checklist_views
from lessons import curation_views as views

app_name = "curation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("due/", views.due, name="due"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("archived/", views.archived, name="archived"),
    path("lessons/<int:pk>/", views.review, name="review"),
    # approve, reject, send-back, archive, unarchive, still-valid, merge
    path("lessons/<int:pk>/<slug:action>/", views.act, name="act"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:pk>/", views.tag_detail, name="tag"),
    path("tags/<int:pk>/rename/", views.tag_rename, name="tag_rename"),
    path("tags/<int:pk>/merge/", views.tag_merge, name="tag_merge"),
    path("tags/<int:pk>/delete/", views.tag_delete, name="tag_delete"),
    path("categories/", views.category_list, name="categories"),
    path("categories/<int:pk>/", views.category_detail, name="category"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("checklists/", checklist_views.checklist_list, name="checklists"),
    path("checklists/<int:pk>/", checklist_views.checklist_detail, name="checklist"),
    path("checklists/<int:pk>/delete/", checklist_views.checklist_delete, name="checklist_delete"),
    path("checklists/<int:pk>/items/", checklist_views.item_add, name="checklist_item_add"),
    path(
        "checklists/<int:pk>/items/<int:item_pk>/",
        checklist_views.item_edit,
        name="checklist_item",
    ),
    path(
        "checklists/<int:pk>/items/<int:item_pk>/move/",
        checklist_views.item_move,
        name="checklist_item_move",
    ),
    path(
        "checklists/<int:pk>/items/<int:item_pk>/delete/",
        checklist_views.item_delete,
        name="checklist_item_delete",
    ),
    path(
        "actions/<int:action_id>/checklist/",
        checklist_views.action_checklist,
        name="action_checklist",
    ),
]
