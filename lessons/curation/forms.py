"""Forms of the curation pages: one per transition of the review page, each prefixed with
the transition's name so that several sit on one page without their fields' ids colliding.

Which fields a transition's form has, and which of them are required, is the table's
(lessons.workflow.TRANSITIONS: what each transition needs); the words are these forms'.
"""

from __future__ import annotations

from django import forms
from django.utils.dateformat import format as date_format
from django.utils.text import slugify
from taggit.models import Tag

from lessons import workflow
from lessons.curation import rules as curation
from lessons.models import Category, Lesson
from lessons.workflow import COMMENT, INTO, REASON, REVIEW_DUE, Need, Transition

TEXT_LIMIT = 2000


def _review_date_field(label: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Empty: a year from today.",
    )


def _note_field(need: Need, label: str, *, rows: int, help_text: str = "") -> forms.CharField:
    """A reason or comment, required when the transition's row of the table says so."""
    return forms.CharField(
        label=label,
        required=need.required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
        error_messages={"required": need.missing} if need.required else None,
    )


class TransitionForm(forms.Form):
    """The form of one transition; its prefix is the transition's name."""

    transition: Transition

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "transition" in cls.__dict__:
            cls.prefix = cls.transition.name


class _ReviewDateForm(TransitionForm):
    """A review date after today, or nothing for a year from today."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        due = date_format(workflow.default_review_due(), "j M Y")
        self.fields[REVIEW_DUE].help_text = f"Empty: a year from today ({due})."

    def clean_review_due(self):
        value = self.cleaned_data.get(REVIEW_DUE)
        if value is not None and not workflow.review_date_allowed(value):
            raise forms.ValidationError("Choose a date after today, or leave it empty.")
        return value


class ApproveForm(_ReviewDateForm):
    transition = workflow.APPROVE
    review_due = _review_date_field("Review again on")


class StillValidForm(_ReviewDateForm):
    transition = workflow.STILL_VALID
    review_due = _review_date_field("Next review on")


class RejectForm(TransitionForm):
    transition = workflow.REJECT
    reason = _note_field(
        transition.need(REASON),
        "Why it is not published",
        rows=3,
        help_text="Its author reads this (unless the lesson is anonymous).",
    )


class SendBackForm(TransitionForm):
    transition = workflow.SEND_BACK
    comment = _note_field(
        transition.need(COMMENT),
        "What the author should change",
        rows=3,
        help_text="Shown to the author on their draft and sent by e-mail.",
    )


class ArchiveForm(TransitionForm):
    transition = workflow.ARCHIVE
    reason = _note_field(
        transition.need(REASON),
        "Why it is archived",
        rows=2,
        help_text="Kept in the lesson's history and sent to its author.",
    )


class UnarchiveForm(TransitionForm):
    transition = workflow.UNARCHIVE
    reason = _note_field(transition.need(REASON), "Why it is restored", rows=2)


class MergeForm(TransitionForm):
    """Which lesson to keep, among ``candidates``; the rules of a merge are the workflow's."""

    transition = workflow.MERGE
    into = forms.IntegerField(
        label="Number of the lesson to keep",
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="Find it with the search above, or type its number (shown as #123).",
        required=transition.need(INTO).required,
        error_messages={"required": transition.need(INTO).missing},
    )
    reason = _note_field(transition.need(REASON), "Why (optional)", rows=2)

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates

    def clean_into(self) -> Lesson:
        number = self.cleaned_data[INTO]
        kept = self.candidates.filter(pk=number).first() if self.candidates is not None else None
        if kept is None:
            raise forms.ValidationError(
                f"There is no lesson #{number} to merge into: it must be a published or "
                "submitted lesson that was not merged itself."
            )
        return kept


# The form of each transition the review page offers, by the transition's name.
TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    form.transition.name: form
    for form in (
        ApproveForm,
        RejectForm,
        SendBackForm,
        ArchiveForm,
        UnarchiveForm,
        StillValidForm,
        MergeForm,
    )
}


# -- tags --------------------------------------------------------------------------------------


class TagRenameForm(forms.Form):
    prefix = "rename"
    name = forms.CharField(label="New name", max_length=100)

    def __init__(self, *args, tag: Tag, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag
        if not self.is_bound:
            self.fields["name"].initial = tag.name

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        problem = curation.tag_name_problem(name, self.tag)
        if problem:
            raise forms.ValidationError(problem)
        return name


class TagMergeForm(forms.Form):
    prefix = "merge"
    into = forms.CharField(
        label="Merge into the tag",
        max_length=100,
        help_text="The tag's exact name. Every lesson tagged with this one gets that tag "
        "instead, and this tag is deleted.",
    )

    def __init__(self, *args, tag: Tag, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag = tag

    def clean_into(self) -> Tag:
        name = self.cleaned_data["into"].strip()
        target = Tag.objects.filter(name__iexact=name).first()
        if target is None:
            raise forms.ValidationError(f"There is no tag “{name}”.")
        if target.pk == self.tag.pk:
            raise forms.ValidationError("Choose another tag: a tag cannot be merged into itself.")
        return target


# -- categories ----------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "slug", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "slug": "Used in search addresses (?category=…). Empty: made from the name. "
            "Changing it breaks saved links to searches by this category.",
            "description": "What belongs here, shown to people choosing a category.",
        }
        error_messages = {
            "name": {"unique": "There is already a category with this name."},
            "slug": {"unique": "Another category already uses this slug."},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and cleaned.get("name"):
            slug = slugify(cleaned["name"])[:80]
            if not slug:
                self.add_error("slug", "Enter a slug: the name has no letters to make one from.")
            elif Category.objects.exclude(pk=self.instance.pk).filter(slug=slug).exists():
                self.add_error("slug", f"Another category already uses “{slug}”: enter one.")
            else:
                cleaned["slug"] = slug
                self.instance.slug = slug
        return cleaned
