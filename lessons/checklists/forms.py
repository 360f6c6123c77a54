"""Forms of the checklist pages (/curation/checklists/ and an action's checklist follow-up).

The rules are lessons.checklists'; these forms turn what was typed into its arguments and
put each problem beside its field. Each form has a prefix, so that several sit on one page.
"""

from __future__ import annotations

from django import forms

from lessons.checklists import rules as checklists
from lessons.models import ChecklistItem
from projects.models import ProjectType

CITATIONS_HELP = (
    "Lesson numbers or addresses, separated by commas or spaces: 123, /lessons/456/. "
    "Empty: it cites no lesson."
)


class ChecklistForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=checklists.NAME_LIMIT,
        error_messages={"required": "Give the checklist a name."},
    )
    project_type = forms.ModelChoiceField(
        queryset=ProjectType.objects.order_by("name"),
        required=False,
        empty_label="Every project type",
        label="Project type",
        help_text="The kick-off briefing of a project of this type shows the checklist.",
    )
    phase_name = forms.CharField(
        label="Phase",
        required=False,
        max_length=checklists.PHASE_LIMIT,
        widget=forms.TextInput(attrs={"list": "phase-names", "autocomplete": "off"}),
        help_text="The phase's name as projects use it, such as Initiation. Empty: every phase.",
    )

    def as_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "project_type": data["project_type"],
            "phase_name": data["phase_name"],
        }


def _text_field(label: str = "Text", required: bool = True, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=checklists.TEXT_LIMIT,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the item's text."},
        **kwargs,
    )


def _position_field(help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label="Position",
        required=False,
        min_value=1,
        max_value=9999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=help_text,
        error_messages={"invalid": "Enter a whole number, such as 1 for the first place."},
    )


class CitationsForm(forms.Form):
    """A ``citations`` field turned into the lessons it names, as ``user`` may see them."""

    citations = forms.CharField(
        label="Lessons it cites",
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=CITATIONS_HELP,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_citations(self):
        result = checklists.parse_citations(self.cleaned_data.get("citations", ""), self.user)
        if result.errors:
            raise forms.ValidationError(result.errors)
        return result.lessons


class ItemForm(CitationsForm):
    """A new item: its text, where it goes, which lessons it cites."""

    text = _text_field()
    position = _position_field("1 is the first place. Empty: at the end.")


class ItemEditForm(CitationsForm):
    """An item's text and citations."""

    text = _text_field()

    def __init__(self, *args, user, item: ChecklistItem, **kwargs):
        kwargs.setdefault("prefix", f"item-{item.pk}")
        super().__init__(*args, user=user, **kwargs)
        self.item = item
        if not self.is_bound:
            self.initial = {
                "text": item.text,
                "citations": checklists.citation_text(getattr(item, "visible_sources", [])),
            }


class FollowUpAddForm(forms.Form):
    """A completed action's change, as a new item citing its lesson."""

    prefix = "new"
    text = _text_field()
    position = _position_field("1 is the first place. Empty or past the end: at the end.")


class FollowUpUpdateForm(forms.Form):
    """A completed action's change, as a new wording of an item; it cites the lesson too."""

    prefix = "update"
    item = forms.TypedChoiceField(
        coerce=int,
        label="Item to update",
        error_messages={
            "required": "Choose the item to update.",
            "invalid_choice": "Choose one of the checklist's items.",
        },
    )
    text = _text_field(
        "New wording",
        required=False,
        help_text="Empty: the item keeps its wording and only cites the lesson.",
    )

    def __init__(self, *args, items: list[ChecklistItem], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item.pk, item.text) for item in items]
        self.items = {item.pk: item for item in items}

    def clean_item(self) -> ChecklistItem:
        return self.items[self.cleaned_data["item"]]
