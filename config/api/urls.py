"""/api/: the REST API (issue 7). Each app registers its resources on the router."""

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from lessons.api import lessons, practice, ratings, taxonomy
from projects import api as projects_api

router = DefaultRouter()
router.register("lessons", lessons.LessonViewSet, basename="lesson")
router.register("ratings", ratings.RatingViewSet, basename="rating")
router.register("actions", practice.ActionViewSet, basename="action")
router.register("applications", practice.ApplicationViewSet, basename="application")
router.register("categories", taxonomy.CategoryViewSet, basename="category")
router.register("tags", taxonomy.TagViewSet, basename="tag")
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
