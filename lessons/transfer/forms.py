"""The forms of the import pages: the upload, and the choice of a field for each column."""

from __future__ import annotations

from django import forms

from lessons.models import Lesson
from lessons.transfer import reading
from lessons.transfer.columns import (
    TARGETS,
    ImportOptions,
    check_mapping,
    suggest_mapping,
)
from projects.models import Project

IGNORE = ""
TARGET_CHOICES = [(IGNORE, "— Ignore this column —"), *TARGETS.items()]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Lessons log",
        help_text=(
            "A CSV file (any common encoding; comma, semicolon, tab or | between columns) or "
            f"an Excel workbook (.xlsx), up to {reading.MAX_FILE_BYTES // 1024 // 1024} MB "
            f"and {reading.MAX_ROWS:,} lessons."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
    )
    encoding = forms.ChoiceField(
        label="Text encoding (CSV only)",
        choices=reading.ENCODING_CHOICES,
        required=False,
        help_text="Leave on “Detect automatically” unless accents come out wrong.",
    )

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > reading.MAX_FILE_BYTES:
            self.add_error(
                "file",
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is "
                f"{reading.MAX_FILE_BYTES // 1024 // 1024} MB. Split it into smaller files.",
            )
            return cleaned
        data = upload.read()
        try:
            cleaned["table"] = reading.read_table(
                data, upload.name, encoding=cleaned.get("encoding") or None
            )
        except reading.ImportFileError as error:
            self.add_error("file", str(error))
        cleaned["data"] = data
        return cleaned


class MappingForm(forms.Form):
    """A field for each column (suggested from its header), defaults and switches."""

    project = forms.ModelChoiceField(
        queryset=Project.objects.order_by("code"),
        required=False,
        label="Project for rows without one",
        empty_label="— None: every row names its project —",
        help_text="Used when the file has no project column, or a row leaves it empty.",
    )
    kind = forms.ChoiceField(
        label="Kind for rows without one",
        choices=[("", "— None: such a row is an error —"), *Lesson.Kind.choices],
        required=False,
        initial=Lesson.Kind.IMPROVEMENT,
    )
    visibility = forms.ChoiceField(
        label="Visibility for rows without one",
        choices=Lesson.Visibility.choices,
        initial=Lesson.Visibility.ORGANISATION,
    )
    create_missing = forms.BooleanField(
        label="Create missing categories, tags and phases",
        required=False,
        help_text="Otherwise a name Hindsight does not know is an error. Administrators may "
        "also have projects created.",
    )
    publish = forms.BooleanField(
        label="Publish the imported lessons at once",
        required=False,
        help_text="Otherwise they wait in the curation queue as submitted lessons.",
    )

    def __init__(self, table: reading.Table, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table = table
        suggested = suggest_mapping(table.headers)
        self.column_names = []
        for position, header in enumerate(table.headers):
            name = f"column_{position}"
            self.fields[name] = forms.ChoiceField(
                label=header,
                choices=TARGET_CHOICES,
                required=False,
                initial=suggested[position] or IGNORE,
            )
            self.column_names.append(name)

    @property
    def columns(self) -> list[tuple[forms.BoundField, list[str], int]]:
        """Each column's choice with a few of its values and how many rows fill it, for the
        mapping table."""
        return [
            (self[name], self.table.samples(position), self.table.filled(position))
            for position, name in enumerate(self.column_names)
        ]

    def mapping(self) -> list[str | None]:
        return [self.cleaned_data.get(name) or None for name in self.column_names]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            for message in check_mapping(self.mapping(), bool(cleaned.get("project"))):
                self.add_error(None, message)
        return cleaned

    def options(self, filename: str) -> ImportOptions:
        data = self.cleaned_data
        return ImportOptions(
            mapping=self.mapping(),
            filename=filename,
            default_project=data.get("project"),
            default_kind=data.get("kind") or "",
            default_visibility=data["visibility"],
            publish=data.get("publish", False),
            create_missing=data.get("create_missing", False),
        )
