"""Operations on lessons that write more than one row: each one atomic and exact."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Avg, Count, F
from django.utils import timezone

from lessons.models import Lesson, LessonViewDay, Rating, bayesian_usefulness

if TYPE_CHECKING:
    from accounts.models import User


def refresh_rating_aggregates(lesson_id: int) -> None:
    """Recompute count and mean from the ratings themselves, so they can never drift."""
    figures = Rating.objects.filter(lesson_id=lesson_id).aggregate(n=Count("id"), avg=Avg("score"))
    average = round(figures["avg"] or 0.0, 4)
    Lesson.objects.filter(pk=lesson_id).update(
        rating_count=figures["n"],
        rating_avg=average,
        usefulness=bayesian_usefulness(average, figures["n"]),
    )


def _lock_lesson(lesson_id: int) -> None:
    # Taking the lesson's row lock first serialises concurrent raters of one lesson, so the
    # recount below always sees every committed rating (PostgreSQL; SQLite serialises writes).
    Lesson.objects.select_for_update().filter(pk=lesson_id).values_list("pk").first()


@transaction.atomic
def rate_lesson(lesson: Lesson, user: User, score: int, comment: str = "") -> Rating:
    """Set or change the user's 1..5 rating of a lesson and keep the aggregates exact."""
    if not 1 <= int(score) <= 5:
        raise ValueError("A rating is a whole number from 1 to 5.")
    _lock_lesson(lesson.pk)
    rating, _ = Rating.objects.update_or_create(
        lesson_id=lesson.pk, user=user, defaults={"score": int(score), "comment": comment}
    )
    refresh_rating_aggregates(lesson.pk)
    return rating


@transaction.atomic
def remove_rating(lesson: Lesson, user: User) -> bool:
    """Remove the user's rating, if any; returns whether there was one."""
    _lock_lesson(lesson.pk)
    deleted, _ = Rating.objects.filter(lesson_id=lesson.pk, user=user).delete()
    if deleted:
        refresh_rating_aggregates(lesson.pk)
    return bool(deleted)


def record_view(lesson: Lesson) -> None:
    """Count one view: the lesson's total and today's row, each a single atomic statement."""
    today = timezone.localdate()
    table = LessonViewDay._meta.db_table
    with transaction.atomic():
        Lesson.objects.filter(pk=lesson.pk).update(view_count=F("view_count") + 1)
        with connection.cursor() as cursor:
            # An upsert is one statement on both PostgreSQL and SQLite (>= 3.24): no race
            # between "does today's row exist" and "insert it".
            cursor.execute(
                f"INSERT INTO {table} (lesson_id, day, count) VALUES (%s, %s, 1) "
                f"ON CONFLICT (lesson_id, day) DO UPDATE SET count = {table}.count + 1",
                [lesson.pk, today],
            )
