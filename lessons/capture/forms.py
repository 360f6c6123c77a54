"""The lesson form: four fields to start, the rest when the author is ready."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils import timezone
from taggit.forms import TagField, TagWidget

from accounts.roles import is_curator
from lessons.models import TEXT_LIMIT, Lesson
from projects.models import Phase, Project

MARKDOWN_HELP = "Markdown works: **bold**, *italic*, lists starting with - and [links](https://…)."



TAG_LIMIT = 20


TAG_LENGTH = 100  # taggit's Tag.name


class PhaseSelect(forms.Select):
    """Phases grouped by project; each option names its project for the page script."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.project_of: dict[str, int] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        project_id = self.project_of.get(str(value))
        if project_id is not None:
            option["attrs"]["data-project"] = str(project_id)
        return option


class ChoiceRadioSelect(forms.RadioSelect):
    """Radio buttons whose field "label" is the first option, so an error summary's link
    to the field lands on the choices rather than nowhere."""

    def id_for_label(self, id_, index="0"):
        return super().id_for_label(id_, index)


# What a quick capture asks for, and what may be added now or later (author or curator).
LESSON_QUICK_FIELDS = ("title", "recommendation", "project", "kind")


LESSON_DETAIL_FIELDS = (
    "summary",
    "context",
    "root_cause",
    "early_warning",
    "category",
    "phase",
    "tags",
    "impact",
    "likelihood",
    "occurred_on",
    "visibility",
    "is_anonymous",
)


class LessonForm(forms.ModelForm):
    """One form to record a lesson and to edit it: four fields first, the rest optional.

    ``version`` carries the version the editor loaded, so a save over someone else's newer
    save is refused (optimistic locking; the view compares it with the lesson's version).
    """

    QUICK_FIELDS = LESSON_QUICK_FIELDS
    DETAIL_FIELDS = LESSON_DETAIL_FIELDS
    MARKDOWN_FIELDS = ("recommendation", "context", "root_cause", "early_warning")
    KIND_HELP = {
        Lesson.Kind.WENT_WELL: "Something to repeat.",
        Lesson.Kind.WENT_WRONG: "Something to avoid.",
        Lesson.Kind.IMPROVEMENT: "A better way to do something.",
    }
    VISIBILITY_HELP = {
        Lesson.Visibility.ORGANISATION: "Everyone who signs in to Hindsight.",
        Lesson.Visibility.PROJECT: "Members of the lesson's project, and curators.",
        Lesson.Visibility.RESTRICTED: "For sensitive lessons: only curators read it.",
    }

    # Checked by the view, not here: a garbled value is a conflict, never a form error.
    version = forms.CharField(widget=forms.HiddenInput, required=False)
    # Only when someone edits another person's lesson (a curator): kept in its history.
    change_reason = forms.CharField(
        required=False,
        max_length=100,
        label="What did you change, and why?",
        help_text="Kept in the lesson's history and sent to its author (never for an "
        "anonymous lesson).",
    )
    tags = TagField(
        required=False,
        label="Tags",
        help_text="Themes others would search for, separated by commas, e.g. testing, suppliers.",
        widget=TagWidget(attrs={"list": "tag-suggestions", "autocomplete": "off"}),
    )

    class Meta:
        model = Lesson
        fields = [*LESSON_QUICK_FIELDS, *LESSON_DETAIL_FIELDS]
        labels = {
            "title": "Title",
            "recommendation": "What should others do next time?",
            "project": "Project",
            "kind": "What kind of lesson is it?",
            "summary": "Summary",
            "context": "What happened?",
            "root_cause": "Why did it happen?",
            "early_warning": "Early warning signs",
            "category": "Category",
            "phase": "Phase",
            "impact": "How much did it matter?",
            "likelihood": "How likely is it to happen again?",
            "occurred_on": "When did it happen?",
            "visibility": "Who may read it once published?",
            "is_anonymous": "Submit without my name",
        }
        help_texts = {
            "title": "A headline others will recognise in a list of results.",
            "recommendation": f"The lesson itself, as advice. {MARKDOWN_HELP}",
            "project": "The project the lesson comes from.",
            "summary": "One or two sentences for someone skimming a list.",
            "context": f"The event that taught you this. {MARKDOWN_HELP}",
            "root_cause": f"The cause underneath, not the symptom. {MARKDOWN_HELP}",
            "early_warning": "The signs that would tell someone it is happening again.",
            "phase": "The project phase it happened in.",
            "occurred_on": "Roughly is fine: the day it happened or was noticed.",
        }
        widgets = {
            "title": forms.TextInput(attrs={"autocomplete": "off"}),
            "recommendation": forms.Textarea(attrs={"rows": 6}),
            "summary": forms.Textarea(attrs={"rows": 2}),
            "context": forms.Textarea(attrs={"rows": 5}),
            "root_cause": forms.Textarea(attrs={"rows": 4}),
            "early_warning": forms.Textarea(attrs={"rows": 2}),
            "kind": ChoiceRadioSelect,
            "phase": PhaseSelect,
            "visibility": ChoiceRadioSelect,
            "occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        lesson = self.instance
        if not lesson.pk or lesson.submitted_by_id == user.pk:
            del self.fields["change_reason"]
        if lesson.pk and not self.is_bound and "version" not in self.initial:
            self.fields["version"].initial = lesson.version
        for name in ("summary", "context", "root_cause", "recommendation", "early_warning"):
            self.fields[name].max_length = TEXT_LIMIT
            self.fields[name].validators.append(MaxLengthValidator(TEXT_LIMIT))
        self.fields["kind"].choices = Lesson.Kind.choices
        for name in self.DETAIL_DEFAULTS:
            self.fields[name].required = False
        self.fields["category"].empty_label = "Not sure yet"

        projects = Project.objects.all() if is_curator(user) else Project.objects.with_member(user)
        if lesson.project_id:
            projects = Project.objects.filter(
                Q(pk__in=projects.values("pk")) | Q(pk=lesson.project_id)
            )
        elif not is_curator(user):
            projects = Project.objects.filter(pk__in=projects.values("pk"))
        self.fields["project"].queryset = projects.order_by("code")
        self.fields["project"].empty_label = "Choose a project"
        self.fields["project"].error_messages["invalid_choice"] = (
            "Choose one of your own projects: you can record lessons for projects you belong to."
        )

        # Any phase passes the field; clean() checks it belongs to the chosen project, so
        # the error can say so plainly. Only the offered projects' phases are listed.
        self.fields["phase"].queryset = Phase.objects.select_related("project")
        self.fields["phase"].empty_label = "Not sure or whole project"
        phases = Phase.objects.filter(project__in=self.fields["project"].queryset.values("pk"))
        groups: dict[str, list[tuple[int, str]]] = {}
        widget = self.fields["phase"].widget
        for phase in phases.select_related("project").order_by("project__code", "order", "pk"):
            groups.setdefault(str(phase.project), []).append((phase.pk, phase.name))
            widget.project_of[str(phase.pk)] = phase.project_id
        self.fields["phase"].choices = [("", self.fields["phase"].empty_label), *groups.items()]

        if lesson.pk and lesson.submitted_by_id != user.pk:
            # Whether to sign a lesson is its author's choice, not a curator's.
            self.fields["is_anonymous"].disabled = True
            self.fields["is_anonymous"].help_text = (
                "Only the author can change this. "
                + Lesson._meta.get_field("is_anonymous").help_text
            )

    def _keep_when_empty(self, name: str) -> str:
        # Optional in the form: left empty, the lesson keeps its value (the default when new).
        return self.cleaned_data.get(name) or getattr(self.instance, name)

    def clean_impact(self) -> str:
        return self._keep_when_empty("impact")

    def clean_likelihood(self) -> str:
        return self._keep_when_empty("likelihood")

    def clean_visibility(self) -> str:
        return self._keep_when_empty("visibility")

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data.get("tags") or []
        if len(tags) > TAG_LIMIT:
            raise forms.ValidationError(f"Use at most {TAG_LIMIT} tags.")
        too_long = [tag for tag in tags if len(tag) > TAG_LENGTH]
        if too_long:
            raise forms.ValidationError(
                f"A tag can be at most {TAG_LENGTH} characters: separate tags with commas."
            )
        return tags

    def clean_occurred_on(self):
        day = self.cleaned_data.get("occurred_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError("A lesson comes from something that already happened.")
        return day

    def clean(self):
        cleaned = super().clean()
        project, phase = cleaned.get("project"), cleaned.get("phase")
        if phase is not None and project is not None and phase.project_id != project.pk:
            self.add_error(
                "phase",
                f"This phase is not one of {project.code}'s phases: choose one of its phases, "
                "or leave it empty.",
            )
        return cleaned

    # Detail fields that always hold a value: "More detail" opens only when one differs.
    DETAIL_DEFAULTS = {
        "impact": Lesson.Impact.MEDIUM,
        "likelihood": Lesson.Likelihood.POSSIBLE,
        "visibility": Lesson.Visibility.ORGANISATION,
    }

    @property
    def details_open(self) -> bool:
        """Open "More detail" when any of its fields has an error or a value."""
        for name in self.DETAIL_FIELDS:
            bound = self[name]
            value = bound.value()
            if name in self.DETAIL_DEFAULTS:
                filled = str(value or "") not in ("", self.DETAIL_DEFAULTS[name])
            elif name == "is_anonymous":
                filled = bool(value)
            else:
                filled = value not in (None, "", [])
            if filled or bound.errors:
                return True
        return False

    def choices_with_help(self, name: str, helps: dict) -> list:
        return [(choice, helps.get(choice.data["value"], "")) for choice in self[name]]

    @property
    def kind_choices(self) -> list:
        return self.choices_with_help("kind", self.KIND_HELP)

    @property
    def visibility_choices(self) -> list:
        return self.choices_with_help("visibility", self.VISIBILITY_HELP)
