"""Conditional requests on a meeting (RFC 9110, section 13), with its ETag (etags.py).

- A read with If-None-Match naming the current tag, or `*`, is a 304 (weak comparison: W/"x"
  names "x" too).

A field that names no tag at all (`If-None-Match: abc`, without the quotes) matches nothing. A
blank field is no condition.
"""

from django.utils.http import parse_etags
from rest_framework.request import Request


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
