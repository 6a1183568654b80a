"""Credentials out of what Silk stores: paths, query strings, headers, bodies and SQL.

Silk masks request bodies by key (SILKY_SENSITIVE_KEYS) and hides the Authorization and Cookie
request headers; it keeps response headers and bodies, paths, query strings and other headers
as they are, and SQL with its parameters filled in. Three layers take over:
- by key: values under a key or header that names a secret (SILKY_SENSITIVE_KEYS, as parts of
  names: "new_password", "X-CSRFToken"), in JSON and form bodies, query strings and headers;
- by shape: password hashes, feed URLs, the CSRF tokens of HTML forms, and in SQL everything
  after WHERE, SET or VALUES in a statement that writes or filters a secret column;
- by value: every secret the request carried or its response handed out (its token, cookies,
  CSRF token, passwords, a feed's secret), wherever it turns up again, SQL included.

Plain functions of text (and of Django's request and response, to find their secrets): the
middleware in scheduler.silk_recording applies them before Silk writes a row.
"""

import base64
import binascii
import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from urllib.parse import parse_qsl, urlencode

from django.http.request import RawPostDataException
from silk.config import SilkyConfig

from .log_filters import hide_secrets

HIDDEN = "********************"  # what Silk itself writes for a masked value
MIN_SECRET = 8  # shorter values ("on", "true", ids) would mask half of every text
# Words that always name a secret, whatever SILKY_SENSITIVE_KEYS says.
ALWAYS_SECRET = frozenset(
    {"password", "token", "secret", "key", "session", "csrf", "cookie", "authorization"}
)
FEED_TOKEN = re.compile(r"/api/feeds/([^/\s\"'?#]+)\.ics")
# Columns whose values let someone in: password hashes, feed secrets, DRF tokens, knox token
# digests and prefixes, sessions.
SECRET_COLUMNS = (
    '"password"',
    '"feed_token"',
    '"key"',
    '"digest"',
    '"token_key"',
    '"session_key"',
    '"session_data"',
)
# Silk's Request and Response fields that may hold a secret.
TEXT_FIELDS = ("path", "query_params", "encoded_headers", "body", "raw_body")
SQL_VALUES = re.compile(r"\b(?:WHERE|SET|VALUES)\b")
SQL_HIDDEN = " [the rest is hidden: it holds a credential]"
# Django's password hash formats: "<algorithm>$<parameters>$<salt>$<hash>".
PASSWORD_HASH = re.compile(
    r"\b(?:pbkdf2_sha256|pbkdf2_sha1|argon2|bcrypt_sha256|bcrypt|scrypt|sha1|md5"
    r"|unsalted_sha1|unsalted_md5|crypt)\$[^\s'\"]+"
)


@dataclass(frozen=True)
class _Words:
    """The words that name a secret, lowercase. Read once per call of a function below and
    handed down: a JSON body has thousands of keys (the same few, again and again)."""

    keys: tuple[str, ...]

    @cached_property
    def pattern(self) -> re.Pattern:
        return re.compile("|".join(map(re.escape, self.keys)), re.IGNORECASE)

    @cached_property
    def hidden_fields(self) -> re.Pattern:
        """value="..." of HTML inputs whose name names a secret (csrfmiddlewaretoken)."""
        words = self.pattern.pattern
        return re.compile(rf'(name="[^"]*(?:{words})[^"]*"[^>]*?\svalue=")[^"]*', re.I)

    def in_text(self, text: str) -> bool:
        """Whether any word is anywhere in a long text (a regex scan is ten times slower)."""
        lowered = text.lower()
        return any(key in lowered for key in self.keys)


@cache
def _words(keys: frozenset[str]) -> _Words:
    return _Words(tuple(sorted(key.lower() for key in keys)))


def _secret_words() -> _Words:
    return _words(ALWAYS_SECRET | frozenset(SilkyConfig().SILKY_SENSITIVE_KEYS))


@lru_cache(maxsize=4096)
def _names_a_secret(words: _Words, name: str) -> bool:
    return bool(words.pattern.search(name))


def names_a_secret(name: str) -> bool:
    return _names_a_secret(_secret_words(), name)


# -- finding the secrets of one request -------------------------------------------------------


def request_secrets(request) -> set[str]:
    """What the request carries that works as a credential."""
    words = _secret_words()
    found = set(request.COOKIES.values())
    for name, value in request.headers.items():
        if name.lower() != "cookie" and _names_a_secret(words, name):
            found.update([value, *value.split()])  # "Token <key>": the key alone too
    for key, values in request.GET.lists():
        if _names_a_secret(words, key):
            found.update(values)
    found.update(match[1] for match in FEED_TOKEN.finditer(request.path))
    found.update(_body_secrets(request, words))
    return {secret for secret in found if len(secret) >= MIN_SECRET}


def _body_secrets(request, words: _Words) -> Iterator[str]:
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, values in request.POST.lists():
            if _names_a_secret(words, key):
                yield from values
    elif content_type.endswith("json"):
        try:
            yield from _under_secret_keys(json.loads(request.body), words)
        except (RawPostDataException, ValueError):
            return


def response_secrets(response) -> set[str]:
    """What the response hands out that works as a credential: cookies it sets, tokens."""
    found = {morsel.value for morsel in response.cookies.values()}
    if not response.streaming:
        content = response.content.decode("utf-8", "replace")
        found.update(match[1] for match in FEED_TOKEN.finditer(content))
        words = _secret_words()
        is_json = response.get("Content-Type", "").startswith("application/json")
        if is_json and words.in_text(content):  # no key can name a secret otherwise
            with contextlib.suppress(ValueError):
                found.update(_under_secret_keys(json.loads(content), words))
    return {secret for secret in found if len(secret) >= MIN_SECRET}


def _under_secret_keys(data, words: _Words) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if _names_a_secret(words, str(key)):
                yield from _scalars(value)
            else:
                yield from _under_secret_keys(value, words)
    elif isinstance(data, list):
        for item in data:
            yield from _under_secret_keys(item, words)


def _scalars(data) -> Iterator[str]:
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        for item in data:
            yield from _scalars(item)
    elif data is not None:
        yield str(data)


# -- scrubbing text ---------------------------------------------------------------------------


def scrub_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Known secrets, password hashes, feed URLs and forms' CSRF tokens out of any text."""
    if not text:
        return text
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    # The regexes only where they can match: most texts are long JSON without any of it.
    if "/api/feeds/" in text:
        text = hide_secrets(text)
    if "$" in text:
        text = PASSWORD_HASH.sub(HIDDEN, text)
    if "value=" in text:
        text = _secret_words().hidden_fields.sub(rf"\g<1>{HIDDEN}", text)
    return text


def mask_json(text: str) -> str:
    """JSON with every value under a key that names a secret masked; other text unchanged."""
    words = _secret_words()
    if not text or not words.in_text(text):  # no key can name a secret
        return text
    try:
        data = json.loads(text)
    except (TypeError, ValueError):
        return text
    masked = _masked(data, words)
    return text if masked == data else json.dumps(masked, indent=4, sort_keys=True)


def _masked(data, words: _Words):
    if isinstance(data, dict):
        return {
            key: HIDDEN if _names_a_secret(words, str(key)) else _masked(value, words)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [_masked(item, words) for item in data]
    return data


def scrub_request_body(text: str, secrets: Iterable[str] = ()) -> str:
    """A request body: JSON or a form, masked by key; anything else that names a secret field
    (a truncated JSON login, say) is hidden whole."""
    if not text:
        return text
    try:
        json.loads(text)
    except (TypeError, ValueError):
        pass
    else:
        return scrub_text(mask_json(text), secrets)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return HIDDEN if _secret_words().in_text(text) else scrub_text(text, secrets)
    if any(names_a_secret(key) and value != HIDDEN for key, value in pairs):
        masked = [(key, HIDDEN if names_a_secret(key) else value) for key, value in pairs]
        text = urlencode(masked, safe="*")
    return scrub_text(text, secrets)


def scrub_headers(encoded: str, secrets: Iterable[str] = ()) -> str:
    """Silk's JSON of headers, with headers that name a secret (Set-Cookie too) masked."""
    try:
        headers = json.loads(encoded)
    except (TypeError, ValueError):
        return scrub_text(encoded, secrets)
    return json.dumps(
        {
            name: HIDDEN if names_a_secret(name) else scrub_text(str(value), secrets)
            for name, value in headers.items()
        }
    )


def scrub_base64_body(encoded: str, headers: str, secrets: Iterable[str] = ()) -> str:
    """A raw response body, base64 as Silk keeps it. Compressed or binary bodies cannot be
    read to scrub them: they are not kept."""
    try:
        content = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, TypeError):
        return ""
    if "content-encoding" in headers.lower():
        return ""
    scrubbed = scrub_text(mask_json(content), secrets)
    return encoded if scrubbed == content else base64.b64encode(scrubbed.encode()).decode()


def scrub_sql(sql: str, secrets: Iterable[str] = ()) -> tuple[str, bool]:
    """(the statement to keep, whether its values were cut). A statement that writes a secret
    column, or filters on one, keeps its shape up to WHERE, SET or VALUES, and no values."""
    if any(column in sql for column in SECRET_COLUMNS) and (values := SQL_VALUES.search(sql)):
        writes = sql.lstrip()[:6].upper() in ("INSERT", "UPDATE")
        if writes or any(column in sql[values.start() :] for column in SECRET_COLUMNS):
            return sql[: values.start()].rstrip() + SQL_HIDDEN, True
    return scrub_text(sql, secrets), False


# -- Silk's records ---------------------------------------------------------------------------


def scrub_request_record(record, secrets: Iterable[str] = ()) -> None:
    """Silk's Request, before it is written."""
    record.path = scrub_text(record.path, secrets)
    record.query_params = scrub_text(mask_json(record.query_params or ""), secrets)
    record.encoded_headers = scrub_headers(record.encoded_headers, secrets)
    record.body = scrub_request_body(_text(record.body), secrets)
    record.raw_body = scrub_request_body(_text(record.raw_body), secrets)


def _text(value) -> str:
    """Silk keeps a few bodies as bytes (its notes on multipart and oversized bodies)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value or ""


def scrub_response_record(record, secrets: Iterable[str] = ()) -> None:
    """Silk's Response, before it is written."""
    record.encoded_headers = scrub_headers(record.encoded_headers, secrets)
    record.body = scrub_text(mask_json(record.body or ""), secrets)
    record.raw_body = scrub_base64_body(record.raw_body or "", record.encoded_headers, secrets)


def blank_record(record) -> None:
    """What is kept of a record that could not be scrubbed: nothing of its text."""
    for field in TEXT_FIELDS:
        if hasattr(record, field):
            setattr(record, field, HIDDEN if field == "path" else "")


def scrub_query(query: dict, secrets: Iterable[str] = ()) -> None:
    """One of the SQL statements Silk collected for a request (a dict), before it is written."""
    query["query"], cut = scrub_sql(query["query"], secrets)
    if query.get("analysis"):  # PostgreSQL's EXPLAIN shows the values of conditions
        query["analysis"] = None if cut else scrub_text(query["analysis"], secrets)
