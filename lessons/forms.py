"""The rating form of the lesson page."""

from __future__ import annotations

from django import forms

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
