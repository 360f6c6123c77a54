"""What every API module shares: id pattern, request-body checks, the 400 shape, absolute links."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

ID_PATTERN = r"[0-9]{1,9}"  # longer numbers are no id of ours: 404 from the URL, not a 500


def validated(serializer_class, data, **kwargs) -> dict:
    """The request body checked for shape (400 with the field errors otherwise)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def form_errors(form, rename: dict[str, str] | None = None) -> ValidationError:
    """A page form's errors as the API's 400: ``{"field": ["message", ...]}``."""
    rename = rename or {}
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == "__all__" else rename.get(name, name)
        errors.setdefault(key, []).extend(str(message) for message in messages)
    return ValidationError(errors)


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path
