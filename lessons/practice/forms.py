"""Forms of follow-up actions and applications."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from lessons.models import TEXT_LIMIT, Action, Application, Checklist, Lesson
from lessons.practice.services import owner_candidates
from projects.models import Project

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
        people = owner_candidates(lesson, user, action.owner if action else None)
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
