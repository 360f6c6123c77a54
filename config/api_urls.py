"""/api/: the REST API (issue 7). Each app registers its resources on the router."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from lessons import api as lessons_api
from projects import api as projects_api

router = DefaultRouter()
router.register("lessons", lessons_api.LessonViewSet, basename="lesson")
router.register("ratings", lessons_api.RatingViewSet, basename="rating")
router.register("actions", lessons_api.ActionViewSet, basename="action")
router.register("applications", lessons_api.ApplicationViewSet, basename="application")
router.register("categories", lessons_api.CategoryViewSet, basename="category")
router.register("tags", lessons_api.TagViewSet, basename="tag")
router.register("projects", projects_api.ProjectViewSet, basename="project")
router.register("reviews", projects_api.ReviewViewSet, basename="review")

# DRF authenticates API calls itself (session or token) and answers a JSON 401/403: the
# site-wide LoginRequiredMiddleware must not send API clients to the sign-in page instead.
for pattern in router.urls:
    login_not_required(pattern.callback)


@login_not_required
def not_found(request, path: str = ""):
    """Any other address under /api/: a JSON 404, as API clients expect, never a page."""
    return JsonResponse({"detail": "Not found."}, status=404)


app_name = "api"

urlpatterns = [
    path("", include(router.urls)),
    re_path(r"^(?P<path>.*)$", not_found),
]
