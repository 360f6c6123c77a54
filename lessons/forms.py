from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils import timezone
from taggit.forms import TagField, TagWidget

from accounts.models import User
from accounts.roles import is_curator
from lessons import actions as practice
from lessons.models import Action, Application, Checklist, Lesson
from projects.models import Phase, Project

SCORE_LABELS = {
    1: "1 - not useful",
    2: "2 - a little useful",
    3: "3 - useful",
    4: "4 - very useful",
    5: "5 - changed how we work",
}


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=list(SCORE_LABELS.items()),
        coerce=int,
        widget=forms.RadioSelect,
        label="How useful was this lesson to you?",
    )
    comment = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Comment (optional)",
        help_text="How you used it, or what was missing.",
    )


MARKDOWN_HELP = "Markdown works: **bold**, *italic*, lists starting with - and [links](https://…)."
TEXT_LIMIT = 20_000
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


# -- actions and applications (issue 6) ---------------------------------------------------------

ONE_TO_FIVE = [(n, str(n)) for n in range(1, 6)]


class ChecklistChoiceField(forms.ModelChoiceField):
    """A curated checklist, named with the project type and phase it serves."""

    def label_from_instance(self, obj: Checklist) -> str:
        kind = obj.project_type.name if obj.project_type_id else "every project type"
        phase = obj.phase_name or "every phase"
        return f"{obj.name} ({kind}, {phase})"


# The fields an action form hands to lessons.actions (create_action, update_action).
ACTION_FIELDS = (
    "description",
    "owner",
    "due_on",
    "impact",
    "effort",
    "target",
    "target_checklist",
)


class ActionForm(forms.ModelForm):
    """A follow-up action on a lesson: who does what, by when, and what it changes.

    The owner is picked from the lesson's project team (its members and manager) and the
    user filling in the form, or typed (a username or e-mail address) for anyone else. There
    is no list of everyone, and the team comes from the project's membership alone: an
    anonymous lesson's form must not single out its author.
    """

    NOBODY = ""

    owner = forms.ChoiceField(
        label="Owner",
        required=False,
        help_text="The project team, and you.",
    )
    owner_other = forms.CharField(
        label="Someone else (username or e-mail)",
        required=False,
        max_length=254,
        help_text="For someone outside the project team: used instead of the owner above.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    impact = forms.TypedChoiceField(
        choices=ONE_TO_FIVE, coerce=int, initial=3, help_text="1 small to 5 large."
    )
    effort = forms.TypedChoiceField(
        choices=ONE_TO_FIVE, coerce=int, initial=3, help_text="1 small to 5 large."
    )
    target_checklist = ChecklistChoiceField(
        queryset=Checklist.objects.none(),
        required=False,
        label="Checklist it changes",
        empty_label="None of our checklists",
        help_text="If it changes one of the curated checklists, pick it here.",
    )

    class Meta:
        model = Action
        # The owner is not a model field here: clean() turns the pick or the typed name
        # into a user.
        fields = ["description", "due_on", "impact", "effort", "target", "target_checklist"]
        labels = {"description": "What to do", "due_on": "Due", "target": "Changes"}
        help_texts = {"target": "The process, template or checklist it changes."}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        error_messages = {"due_on": {"invalid": "Enter a date like 2026-12-31."}}

    field_order = [
        "description",
        "owner",
        "owner_other",
        "due_on",
        "impact",
        "effort",
        "target",
        "target_checklist",
    ]

    def __init__(self, *args, lesson: Lesson, user, action: Action | None = None, **kwargs):
        kwargs.setdefault("prefix", "action")
        if action is not None:
            kwargs["initial"] = {**self.initial_from(action), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        people = practice.owner_candidates(lesson, user, action.owner if action else None)
        self.people = {str(person.pk): person for person in people}
        names = [person.display_name for person in people]
        choices = [(self.NOBODY, "Nobody yet")]
        for person in people:
            label = person.display_name
            if names.count(label) > 1:
                label = f"{label} ({person.username})"
            if person.pk == user.pk:
                label = f"{label} (you)"
            choices.append((str(person.pk), label))
        self.fields["owner"].choices = choices
        if action is None:
            self.fields["owner"].initial = str(user.pk)
        self.fields["target_checklist"].queryset = Checklist.objects.select_related(
            "project_type"
        ).order_by("name", "project_type__name", "phase_name", "pk")
        self.fields["description"].validators.append(MaxLengthValidator(TEXT_LIMIT))

    @staticmethod
    def initial_from(action: Action) -> dict:
        return {
            "description": action.description,
            "owner": str(action.owner_id) if action.owner_id else ActionForm.NOBODY,
            "due_on": action.due_on,
            "impact": action.impact,
            "effort": action.effort,
            "target": action.target,
            "target_checklist": action.target_checklist_id,
            "status": action.status,
        }

    def clean_owner(self):
        return self.people.get(self.cleaned_data["owner"])

    def clean_owner_other(self):
        typed = self.cleaned_data["owner_other"].strip()
        if not typed:
            return None
        owner = (
            User.objects.filter(is_active=True)
            .filter(Q(username__iexact=typed) | Q(email__iexact=typed))
            .order_by("pk")
            .first()
        )
        if owner is None:
            raise forms.ValidationError(
                "No active user has that username or e-mail address: check the spelling."
            )
        return owner

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("owner_other") is not None:
            cleaned["owner"] = cleaned["owner_other"]
        return cleaned

    def action_fields(self) -> dict:
        """The cleaned values, as lessons.actions takes them."""
        return {name: self.cleaned_data[name] for name in ACTION_FIELDS}


class ActionEditForm(ActionForm):
    """Everything about an action, its status included (the owner's or a curator's page)."""

    status = forms.ChoiceField(choices=Action.Status.choices, label="Status")

    field_order = [*ActionForm.field_order, "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["description"].widget.attrs["rows"] = 4  # a page of its own: room to read

    def action_fields(self) -> dict:
        return {**super().action_fields(), "status": self.cleaned_data["status"]}


class ActionStatusForm(forms.Form):
    """The owner (or a curator) moves an action along."""

    status = forms.ChoiceField(choices=Action.Status.choices, label="Status")


class ApplicationForm(forms.ModelForm):
    """The "We applied this" form: which later project, how, and what came of it."""

    hours_saved = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=8,
        decimal_places=1,
        label="Hours saved",
        help_text="Your best estimate; leave empty if you cannot tell.",
    )

    class Meta:
        model = Application
        fields = ["project", "applied_on", "how", "outcome", "hours_saved"]
        labels = {"applied_on": "Applied on", "how": "How you applied it"}
        widgets = {
            "how": forms.Textarea(attrs={"rows": 3}),
            "applied_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, projects=None, **kwargs):
        kwargs.setdefault("prefix", "application")
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects if projects is not None else Project.objects
        self.fields["project"].help_text = "A project you work on."
        self.fields["project"].error_messages["invalid_choice"] = (
            "Choose one of your own projects: you can only record applications for those."
        )
        self.fields["applied_on"].initial = timezone.localdate
        self.fields["how"].validators.append(MaxLengthValidator(TEXT_LIMIT))
