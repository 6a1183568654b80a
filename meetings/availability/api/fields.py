"""The `users` query parameter: a list of user ids, in either of the two ways clients send one."""

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from meetings.api.serializers import MAX_ID

MAX_USERS = 100
_ID = re.compile(r"[0-9]{1,19}")

USER_IDS_SCHEMA = {
    "type": "array",
    "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "maxItems": MAX_USERS,
}


@extend_schema_field(USER_IDS_SCHEMA)
class UserIdsField(serializers.Field):
    """User ids, given as `users=3,1,2`, `users=3&users=1&users=2` or both mixed (the field gets
    every value of the parameter): their order is kept, repeats are dropped."""

    default_error_messages = {
        "invalid": "Give user ids separated by commas, such as 3,1,2.",
        "empty": "Give at least one user id.",
        "too_many": f"Ask about at most {MAX_USERS} people at once.",
    }

    def __init__(self, *, allow_empty: bool, **kwargs):
        self.allow_empty = allow_empty
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[int]:
        if isinstance(data, str):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(value, str) for value in data):
            self.fail("invalid")
        joined = ",".join(data)
        if not joined.strip():
            if self.allow_empty:
                return []
            self.fail("empty")
        # Counted before anything is split or parsed.
        if joined.count(",") >= MAX_USERS:
            self.fail("too_many")
        parts = [part.strip() for part in joined.split(",")]
        if not all(_ID.fullmatch(part) and 1 <= int(part) <= MAX_ID for part in parts):
            self.fail("invalid")
        return list(dict.fromkeys(int(part) for part in parts))


def users_parameter(*, required: bool, description: str) -> OpenApiParameter:
    """`users=3&users=1&users=2`: an array as form style, exploded (OpenAPI's default for a query
    array, and what generated clients send); `users=3,1,2` is accepted too."""
    schema = {**USER_IDS_SCHEMA, "minItems": 1 if required else 0}
    return OpenApiParameter(
        "users", schema, required=required, style="form", explode=True, description=description
    )
