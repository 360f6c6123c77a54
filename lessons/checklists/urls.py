"""/curation/checklists/...: added to the "curation" namespace by lessons/curation/urls.py."""

from django.urls import path

from lessons.checklists import views as checklist_views

urlpatterns = [
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
