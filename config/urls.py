from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views
from lessons.briefing import urls as briefing_urls
from projects import urls as project_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("lessons/", include("lessons.urls")),
    # The kick-off briefing is a lesson feature on a project's address: both share the
    # "projects" namespace, and projects/ itself never imports lesson views.
    path(
        "projects/",
        include((project_urls.urlpatterns + briefing_urls.urlpatterns, project_urls.app_name)),
    ),
    path("curation/", include("lessons.curation.urls")),
    path("insights/", include("insights.urls")),
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
    path("api/", include("config.api.urls")),
    path("help/", TemplateView.as_view(template_name="help.html"), name="help"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "Hindsight administration"
admin.site.site_title = "Hindsight admin"
admin.site.index_title = "Lessons, projects and people"
