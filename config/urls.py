from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

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
    # The schema is an API resource: a token or a session opens it, anonymous callers get 401
    # (DRF views are exempt from LoginRequiredMiddleware and check authentication themselves).
    # The docs are a page for signed-in people, so signed-out visitors go to sign in. Swagger
    # UI loads its start-up script from the same URL (?script): CSP forbids inline scripts.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(
            SpectacularSwaggerSplitView.as_view(
                url_name="api-schema", template_name="api/swagger_ui.html"
            )
        ),
        name="api-docs",
    ),
    path("api/", include("config.api_urls")),
    path("help/", TemplateView.as_view(template_name="help.html"), name="help"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Hindsight administration"
admin.site.site_title = "Hindsight admin"
admin.site.index_title = "Lessons, projects and people"
