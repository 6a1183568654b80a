"""Keyset (cursor) pagination on a unique ordering such as (start_time, id).

A page costs the same at any depth: the cursor carries the last row's keys and the next page
starts there through the index, where OFFSET would read and throw away every earlier row.
There is no COUNT. DRF's own CursorPagination orders by a single field, hence this class.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


@dataclass(frozen=True)
class Cursor:
    keys: tuple
    backwards: bool


class KeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 100
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    default_ordering = ("start_time", "id")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.ordering = tuple(getattr(view, "keyset_ordering", self.default_ordering))
        self.descending = self.ordering[0].startswith("-")
        self.fields = [name.lstrip("-") for name in self.ordering]
        self.model = queryset.model
        size = self.get_page_size(request)
        cursor = self.decode_cursor(request)

        queryset = queryset.order_by(*self.ordering)
        if cursor is not None:
            queryset = queryset.filter(self._beyond(cursor))
        if cursor is not None and cursor.backwards:
            queryset = queryset.reverse()
        rows = list(_first_in_order(queryset, size + 1))
        more = len(rows) > size
        rows = rows[:size]
        if cursor is not None and cursor.backwards:
            rows.reverse()
        self._set_links(rows, cursor, more)
        return rows

    def get_paginated_response(self, data):
        return Response({"next": self.next_link, "previous": self.previous_link, "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The opaque cursor from a previous page's next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page: {self.page_size} by default, "
                f"{self.max_page_size} at most (a larger value is cut to it).",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]

    # -- page size and cursor ------------------------------------------------------------

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise ValidationError({self.page_size_query_param: ["Must be a positive integer."]})
        return min(size, self.max_page_size)

    def decode_cursor(self, request) -> Cursor | None:
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(raw.encode("ascii")))
            keys = payload["k"]
            if not isinstance(keys, list) or len(keys) != len(self.fields):
                raise ValueError
            values = tuple(
                self._key_value(field, value)
                for field, value in zip(self.fields, keys, strict=True)
            )
            return Cursor(values, bool(payload.get("b")))
        except (
            ValueError,
            KeyError,
            TypeError,
            UnicodeError,
            OverflowError,
            RecursionError,  # a cursor of nested JSON arrays
            binascii.Error,
            DjangoValidationError,
        ):
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from None

    def _key_value(self, field: str, raw):
        """A cursor key as the field's value; anything a query could choke on is refused."""
        if raw is None or (isinstance(raw, str) and "\x00" in raw):
            raise ValueError("unusable key")
        value = self.model._meta.get_field(field).to_python(raw)
        if isinstance(value, datetime):
            if timezone.is_naive(value):
                raise ValueError("naive time")
            value.astimezone(UTC)  # raises OverflowError at the ends of the calendar
        return value

    def encode_cursor(self, keys, *, backwards: bool) -> str:
        payload = {"k": [_jsonable(value) for value in keys], "b": int(backwards)}
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii")

    # -- the keyset condition ------------------------------------------------------------

    def _beyond(self, cursor: Cursor) -> Q:
        """Rows after the cursor in the travel direction: (a, b) > (x, y) as a > x OR (a = x
        AND b > y), with a >= x in front so that the index range starts at the cursor."""
        greater = self.descending == cursor.backwards
        strict, loose = ("gt", "gte") if greater else ("lt", "lte")
        condition = Q()
        equal = {}
        for field, value in zip(self.fields, cursor.keys, strict=True):
            condition |= Q(**equal, **{f"{field}__{strict}": value})
            equal[field] = value
        return Q(**{f"{self.fields[0]}__{loose}": cursor.keys[0]}) & condition

    def _keys_of(self, row) -> tuple:
        return tuple(getattr(row, field) for field in self.fields)

    def _set_links(self, rows, cursor: Cursor | None, more: bool) -> None:
        backwards = cursor is not None and cursor.backwards
        has_next = more if not backwards else True
        has_previous = more if backwards else cursor is not None
        first = self._keys_of(rows[0]) if rows else cursor.keys if cursor else None
        last = self._keys_of(rows[-1]) if rows else cursor.keys if cursor else None
        self.next_link = self._link(last, backwards=False) if has_next and last else None
        self.previous_link = self._link(first, backwards=True) if has_previous and first else None

    def _link(self, keys, *, backwards: bool) -> str:
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.cursor_query_param)
        return replace_query_param(
            url, self.cursor_query_param, self.encode_cursor(keys, backwards=backwards)
        )


def _first_in_order(queryset, count: int):
    """The queryset's first `count` rows: through its own first_in_order() where it has one
    (a query that cuts a page better than LIMIT on the whole, such as each half of a union)."""
    cut = getattr(queryset, "first_in_order", None)
    return cut(count) if cut is not None else queryset[:count]


def _jsonable(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
