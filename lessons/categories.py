"""The default categories every organisation starts with (administrators can add more)."""

from __future__ import annotations

from django.utils.text import slugify

DEFAULT_CATEGORIES = {
    "Technical": "Technology, architecture, tools, integration and engineering.",
    "Financial": "Budgets, estimates, cost control and funding.",
    "Operational": "Running the work day to day: processes, handover, support.",
    "External": "Suppliers, regulators, weather, markets and other outside factors.",
    "Schedule": "Plans, milestones, dependencies and delays.",
    "Scope": "Requirements, scope definition and change control.",
    "Quality": "Testing, acceptance, defects and standards.",
    "Resources": "People, skills, availability and equipment.",
    "Stakeholders": "Sponsors, users and others affected by or influencing the project.",
    "Communication": "Reporting, meetings, information flow and messaging.",
    "Procurement": "Tenders, contracts and vendor selection.",
    "Governance": "Decisions, approvals, roles and oversight.",
}


def ensure_default_categories(category_model) -> None:
    """Create any missing default category (idempotent; takes a historical model too)."""
    for name, description in DEFAULT_CATEGORIES.items():
        category_model.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "description": description}
        )
