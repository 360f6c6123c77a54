"""Forms of the curation pages: one per curator action, each with its own prefix so that
several can sit on one page without their fields' ids colliding."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import slugify
from taggit.models import Tag

from lessons.curation import rules as curation
from lessons.models import Category, Lesson
from lessons.workflow import default_review_due

TEXT_LIMIT = 2000


def _review_date_field(label: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Empty: a year from today.",
    )


class ReviewDateMixin:
    def clean_review_due(self):
        value = self.cleaned_data.get("review_due")
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError("Choose a date after today, or leave it empty.")
        return value

    def set_review_help(self) -> None:
        self.fields[
            "review_due"
        ].help_text = f"Empty: a year from today ({date_format(default_review_due(), 'j M Y')})."


class ApproveForm(ReviewDateMixin, forms.Form):
    prefix = "approve"
    review_due = _review_date_field("Review again on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_review_help()


class StillValidForm(ReviewDateMixin, forms.Form):
    prefix = "still_valid"
    review_due = _review_date_field("Next review on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_review_help()


class RejectForm(forms.Form):
    prefix = "reject"
    reason = forms.CharField(
        label="Why it is not published",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Its author reads this (unless the lesson is anonymous).",
        error_messages={"required": "Say why the lesson is rejected: its author will read it."},
    )


class SendBackForm(forms.Form):
    prefix = "send_back"
    comment = forms.CharField(
        label="What the author should change",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Shown to the author on their draft and sent by e-mail.",
        error_messages={"required": "Say what the author should change."},
    )


class ArchiveForm(forms.Form):
    prefix = "archive"
    reason = forms.CharField(
        label="Why it is archived",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the lesson's history and sent to its author.",
    )


class UnarchiveForm(forms.Form):
    prefix = "unarchive"
    reason = forms.CharField(
        label="Why it is restored",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(forms.Form):
    """Which lesson to keep; the rules of a merge are the workflow's (lessons.workflow)."""

    prefix = "merge"
    into = forms.IntegerField(
        label="Number of the lesson to keep",
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="Find it with the search above, or type its number (shown as #123).",
        error_messages={"required": "Enter the number of the lesson to keep."},
    )
    reason = forms.CharField(
        label="Why (optional)",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates

    def clean_into(self) -> Lesson:
        number = self.cleaned_data["into"]
        kept = self.candidates.filter(pk=number).first() if self.candidates is not None else None
        if kept is None:
            raise forms.ValidationError(
                f"There is no lesson #{number} to merge into: it must be a published or "
                "submitted lesson that was not merged itself."
            )
        return kept


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
