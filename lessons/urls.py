from django.urls import path

from lessons import views

app_name = "lessons"

urlpatterns = [
    path("", views.lesson_list, name="list"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("<int:pk>/", views.lesson_detail, name="detail"),
    path("<int:pk>/rate/", views.rate, name="rate"),
]
