from django.db import migrations
from django.utils.text import slugify

CATEGORIES = {
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


def create_categories(apps, schema_editor):
    Category = apps.get_model("lessons", "Category")
    for name, description in CATEGORIES.items():
        Category.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("lessons", "0001_initial")]

    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
