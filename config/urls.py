from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from lessons import insights_views
from lessons import views as lesson_views

urlpatterns = [
    path("", lesson_views.home, name="home"),
    path("healthz", lesson_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("lessons/", include("lessons.urls")),
    path("projects/", include("projects.urls")),
    path("curation/", include("lessons.curation_urls")),
    path("insights/", insights_views.insights_page, name="insights"),
    path("insights/actions/", insights_views.insights_actions, name="insights_actions"),
    path("api/", include("config.api_urls")),
    path("help/", TemplateView.as_view(template_name="help.html"), name="help"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Hindsight administration"
admin.site.site_title = "Hindsight admin"
admin.site.index_title = "Lessons, projects and people"
