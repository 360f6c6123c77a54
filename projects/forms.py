from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from taggit.forms import TagField

from accounts.models import User
from lessons.models import Category, Lesson
from projects.models import Membership, Phase, PhaseReview, Project

TAG_MAX_LENGTH = 100  # taggit's Tag.name


class AddMemberForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Person")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def __init__(self, project: Project, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(is_active=True)
            .exclude(memberships__project=project)
            .order_by("first_name", "last_name", "username")
        )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def team_of(project: Project, *also: User):
    """The project's active team (members and its manager), plus anyone in ``also``."""
    return (
        User.objects.filter(
            Q(memberships__project=project)
            | Q(pk=project.manager_id)
            | Q(pk__in=[user.pk for user in also]),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ReviewOpenForm(forms.ModelForm):
    """Open a phase review session: which phase, when, who facilitates."""

    phase = forms.ModelChoiceField(
        queryset=Phase.objects.none(),
        required=False,
        empty_label="The project as a whole",
        help_text="The lessons captured in the session are filed under this phase.",
    )
    facilitator = PersonChoiceField(
        queryset=User.objects.none(),
        help_text="Who runs the session: keeps time and makes sure everyone is heard.",
    )

    class Meta:
        model = PhaseReview
        fields = ["phase", "held_on", "facilitator", "notes"]
        labels = {"held_on": "Date", "notes": "Notes"}
        help_texts = {"notes": "The agenda, or anything attendees should know beforehand."}
        widgets = {
            "held_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, project: Project, user: User, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = project.phases.order_by("order")
        self.fields["facilitator"].queryset = team_of(project, user)
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
            self.initial.setdefault("facilitator", user.pk)
            phase = project.current_phase()
            if phase is not None:
                self.initial.setdefault("phase", phase.pk)


class ReviewLessonForm(forms.ModelForm):
    """The compact capture form of a review session; the session supplies project and phase."""

    tags = TagField(
        required=False,
        max_length=500,
        help_text="Separate with commas, e.g. data migration, cutover, supplier onboarding.",
    )

    class Meta:
        model = Lesson
        fields = [
            "title",
            "recommendation",
            "kind",
            "summary",
            "category",
            "tags",
            "impact",
            "visibility",
            "is_anonymous",
        ]
        labels = {
            "title": "Title",
            "recommendation": "What should others do next time?",
            "kind": "Kind",
            "summary": "Summary",
            "category": "Category",
            "impact": "Impact",
            "visibility": "Visibility",
            "is_anonymous": "Anonymous",
        }
        help_texts = {
            "title": "Say what to do or avoid, so the title alone is useful in a list.",
            "recommendation": "The lesson itself, as advice a colleague can act on. Markdown.",
            "summary": "One or two sentences: what happened and what it cost or saved.",
            "visibility": "Who may read it once a curator publishes it.",
        }
        error_messages = {
            "title": {"required": "Give the lesson a title."},
            "recommendation": {"required": "Write the lesson itself: what to do next time."},
            "kind": {"required": "Choose went well, went wrong or improvement."},
        }
        widgets = {
            "recommendation": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("name")
        self.fields["category"].empty_label = "Choose later"
        self.fields["kind"].choices = [("", "Choose one"), *Lesson.Kind.choices]

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data["tags"]
        too_long = [tag for tag in tags if len(tag) > TAG_MAX_LENGTH]
        if too_long:
            raise forms.ValidationError(f"Keep each tag under {TAG_MAX_LENGTH} characters.")
        return tags


class AttendeesForm(forms.Form):
    attendees = PeopleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who attended",
    )

    def __init__(self, review: PhaseReview, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The team, and anyone recorded as attending who has since left it.
        self.fields["attendees"].queryset = (
            User.objects.filter(
                Q(pk__in=team_of(review.project).values("pk")) | Q(attended_reviews=review)
            )
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        if not self.is_bound:
            self.initial["attendees"] = [user.pk for user in review.attendees.all()]
