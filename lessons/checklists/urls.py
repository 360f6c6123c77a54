"""/curation/checklists/...: added to the "curation" namespace by lessons/curation/urls.py."""

from django.urls import path

from lessons.checklists import views

urlpatterns = [
    path("checklists/", views.checklist_list, name="checklists"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist"),
    path("checklists/<int:pk>/delete/", views.checklist_delete, name="checklist_delete"),
    path("checklists/<int:pk>/items/", views.item_add, name="checklist_item_add"),
    path(
        "checklists/<int:pk>/items/<int:item_pk>/",
        views.item_edit,
        name="checklist_item",
    ),
    path(
        "checklists/<int:pk>/items/<int:item_pk>/move/",
        views.item_move,
        name="checklist_item_move",
    ),
    path(
        "checklists/<int:pk>/items/<int:item_pk>/delete/",
        views.item_delete,
        name="checklist_item_delete",
    ),
    path(
        "actions/<int:action_id>/checklist/",
        views.action_checklist,
        name="action_checklist",
    ),
]
