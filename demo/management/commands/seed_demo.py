"""Load Hindsight's demo organisation, or add N generated lessons for benchmarks.

``seed_demo`` is idempotent: a second run finds everything in place and changes nothing.
``seed_demo --lessons N`` adds N generated lessons with bulk inserts (for ``make bench``).
"""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from demo.bulk import generate_lessons
from demo.data import DEMO_USERS, demo_password
from demo.handwritten import seed_lessons
from demo.organisation import seed_organisation

# One seed for the whole demo: a fresh database always gets the same data.
SEED = 2026


class Command(BaseCommand):
    help = "Load the demo organisation (idempotent), or add --lessons N generated lessons."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--lessons",
            type=int,
            default=0,
            metavar="N",
            help="Add N generated lessons (bulk inserts) on top of the demo data.",
        )

    def handle(self, *args, lessons: int = 0, **options) -> None:
        rng = random.Random(SEED)
        with transaction.atomic():
            created = seed_organisation(rng) + seed_lessons(rng)
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({created} new records)."))
        else:
            self.stdout.write("Demo data already present; nothing changed.")
        if lessons:
            added = generate_lessons(lessons, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS(f"Added {added} generated lessons."))
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write("\nDemo sign-ins (http://127.0.0.1:8000/accounts/login/):")
        for person in DEMO_USERS:
            self.stdout.write(
                f"  {person.role:<14} username {person.username:<12} "
                f"password {demo_password(person.username)}"
            )
        self.stdout.write("")
