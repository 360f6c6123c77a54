from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordMixin, UsernameField
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundWidget
from django.utils.html import format_html

from accounts.models import User
from accounts.roles import ADMINISTRATOR, CONTRIBUTOR, CURATOR, READER, ROLES
from accounts.services import role_names_of
from projects.models import Department


class SignInForm(AuthenticationForm):
    """Django's sign-in form with autocomplete hints for password managers and phones."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


# -- user administration ------------------------------------------------------------------------

ROLE_HELP = {
    READER: "Reads and rates the lessons they may see.",
    CONTRIBUTOR: "Also records lessons, actions and where lessons were applied.",
    CURATOR: "Also reviews, edits, publishes and merges any lesson; manages categories and tags.",
    ADMINISTRATOR: "Also manages people, roles and projects.",
}


class UserEditForm(forms.ModelForm):
    """A person's details and roles, as an Administrator edits them."""

    roles = forms.MultipleChoiceField(
        choices=[(role, role) for role in ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="A person may hold several roles.",
    )

    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "department", "job_title"]
        labels = {"email": "E-mail address"}
        help_texts = {
            "email": "Invitations and password reset links are sent here.",
            "job_title": "Shown beside their name, e.g. “Project manager”.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "email"):
            self.fields[name].required = True
        self.fields["first_name"].widget.attrs["autocomplete"] = "off"
        self.fields["last_name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        department = self.fields["department"]
        department.queryset = Department.objects.order_by("name")
        department.empty_label = "No department"
        if self.instance.pk:
            self.initial.setdefault("roles", role_names_of(self.instance))

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        other = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).first()
        if other:
            raise ValidationError(
                "%(name)s (%(username)s) already uses this e-mail address; each person needs "
                "their own, as password reset links are sent to it.",
                code="duplicate_email",
                params={"name": other, "username": other.username},
            )
        return email

    def role_choices(self) -> list[tuple[BoundWidget, str]]:
        """Each role's checkbox with a line saying what the role may do."""
        return [(choice, ROLE_HELP[choice.data["value"]]) for choice in self["roles"]]


class UserCreateForm(SetPasswordMixin, UserEditForm):
    """A new person: either an invitation e-mail with a set-password link, or a password now."""

    INVITE = "invite"
    PASSWORD = "password"

    sign_in = forms.ChoiceField(
        label="How will they sign in?",
        choices=[
            (INVITE, "Send an invitation e-mail with a link to choose their own password"),
            (PASSWORD, "Set a password now and tell them yourself"),
        ],
        initial=INVITE,
        widget=forms.RadioSelect,
    )
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1="Password", label2="Password again"
    )

    class Meta(UserEditForm.Meta):
        fields = ["username", *UserEditForm.Meta.fields]
        field_classes = {"username": UsernameField}
        help_texts = {
            **UserEditForm.Meta.help_texts,
            "username": "Used to sign in. Letters, digits and @ . + - _ only; "
            "it cannot be changed later.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["password1"].required = False
        self.fields["password2"].required = False
        self.fields["password1"].help_text = format_html(
            "Only when you set a password now. {}", self.fields["password1"].help_text
        )
        self.initial.setdefault("roles", [READER])

    @property
    def sets_password(self) -> bool:
        return self.cleaned_data.get("sign_in") == self.PASSWORD

    def clean_username(self) -> str:
        """Usernames that differ only in case would confuse everyone: refuse them."""
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("Someone already has this username.", code="unique")
        return username

    def clean(self):
        cleaned = super().clean()
        if self.sets_password:
            for name in ("password1", "password2"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "Enter the password, or choose to send an invitation.")
            self.validate_passwords()
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # Validated against the person's details (names, e-mail) once the instance has them.
        if self.sets_password:
            self.validate_password_for_user(self.instance)

    @property
    def password(self) -> str | None:
        return self.cleaned_data["password1"] if self.sets_password else None


# -- personal API tokens ------------------------------------------------------------------------


class ApiTokenForm(forms.Form):
    """Name a new API token. The rules (unique name, how many) are in ``accounts.tokens``."""

    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What it is for, so you can tell your tokens apart, e.g. “Jira sync”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
