"""Conditional requests on a meeting (RFC 9110, section 13), with its ETag (etags.py).

- A read with If-None-Match naming the current tag, or `*`, is a 304 (weak comparison: W/"x"
  names "x" too).
- A write with If-Match goes ahead only if the meeting's tag is one of those named, or `*`
  (strong comparison: a weak tag never matches), and is a 412 otherwise: the lost update of
  two people editing from the same copy is refused, as Google Calendar and Microsoft Graph
  refuse it. The comparison is with the database, not the cache (which may lag a commit for
  a moment), under the meeting's row lock and in the write's own transaction, so of twenty
  requests sent with one tag exactly one writes.

A field that names no tag at all (`If-Match: abc`, without the quotes) matches nothing: a
client that asked for a condition is refused rather than written over. A blank field is no
condition.
"""

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from meetings import selectors
from scheduler.api import exceptions

from .etags import meeting_etag

Written = TypeVar("Written")


class PreconditionFailed(Exception):
    """If-Match named none of the meeting's current tag (`etag`)."""

    def __init__(self, etag: str):
        super().__init__(etag)
        self.etag = etag


def register_answers() -> None:
    exceptions.register_answer(PreconditionFailed, precondition_failed_answer)


def precondition_failed_answer(refusal: PreconditionFailed) -> Response:
    detail = (
        f"The meeting has changed since you read it: its ETag is now {refusal.etag}, and "
        "If-Match names another. Nothing was changed; read the meeting again and send its "
        "ETag (quotes included) to make your change to it."
    )
    return Response(
        {"detail": detail, "code": "precondition_failed", "etag": refusal.etag},
        status=status.HTTP_412_PRECONDITION_FAILED,
        headers={"ETag": refusal.etag},
    )


def _tags(request: Request, header: str) -> list[str] | None:
    """The entity tags a condition names (["*"] for any), or None if there is no condition."""
    value = request.headers.get(header, "")
    return parse_etags(value) if value.strip() else None


def not_modified(request: Request, *, etag: str) -> bool:
    """Whether If-None-Match names the current tag `etag`: a read answers 304."""
    tags = _tags(request, "If-None-Match")
    if tags is None:
        return False
    return tags == ["*"] or etag in {tag.removeprefix("W/") for tag in tags}


def asks_if_match(request: Request) -> bool:
    return _tags(request, "If-Match") is not None


def if_match(
    request: Request, *, meeting_id: int, write: Callable[[], Written]
) -> Callable[[], Written]:
    """`write`, to be done only if the meeting's tag is one If-Match names (PreconditionFailed,
    a 412, otherwise). Without If-Match, `write` itself: the same queries as ever.

    The services write in transactions of their own; this one around them holds the row lock
    taken for the comparison until the write is done. In a dry run (a transaction rolled
    back) the comparison is made all the same: a stale tag is a 412 there too.
    """
    tags = _tags(request, "If-Match")
    if tags is None:
        return write

    def conditional_write() -> Written:
        with transaction.atomic():
            current = meeting_etag(selectors.meeting_locked(meeting_id=meeting_id))
            if tags != ["*"] and current not in tags:
                raise PreconditionFailed(current)
            return write()

    return conditional_write
