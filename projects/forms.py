from __future__ import annotations

from django import forms

from accounts.models import User
from projects.models import Membership, Project


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
