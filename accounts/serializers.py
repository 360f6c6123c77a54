"""People as the API shows them."""

from __future__ import annotations

from rest_framework import serializers


class PersonSerializer(serializers.Serializer):
    """Someone named on a page: their username and the name the pages show."""

    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)


def person(user) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.username, "display_name": user.display_name}
