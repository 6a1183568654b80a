"""The physical floors of the load test: a WSGI application with no framework at all.

    DATABASE_URL=postgres://... gunicorn --workers 2 benchmarks.floors:application

- `/constant/` answers a constant: what gunicorn, the socket and wrk cost.
- `/list/` answers the first page of the caller's meetings as the API does (the same fields,
  times in the caller's zone, an entity tag per meeting, the `next` link): the knox token looked
  up, then one SQL statement that builds the page's JSON, each half of "organized or invited"
  taking its own top 51 through its index before the union. psycopg2, one connection per
  process, kept for its life.

Nothing here is imported by the project; benchmarks.load starts it beside the project's
gunicorn, on the same database, and reports the project's throughput as a share of these.
"""

import base64
import hashlib
import json
import os
import re
from datetime import UTC

import psycopg2

PAGE_SIZE = 50
TOKEN_KEY_LENGTH = 15  # knox
TOKEN = re.compile(r"Token ([0-9a-f]{64})")

CALLER = """
SELECT u.id, u.timezone FROM accounts_authtoken t JOIN accounts_user u ON u.id = t.user_id
WHERE t.token_key = %(key)s AND t.digest = %(digest)s AND t.expiry > now() AND u.is_active
"""

# The zone is set in the same round trip: json renders timestamptz in the session's zone.
PAGE = """
SET TIME ZONE %(zone)s;
WITH top AS (
    (SELECT id FROM meetings_meeting WHERE created_by_id = %(user)s
     ORDER BY start_time, id LIMIT %(limit)s)
    UNION
    (SELECT m.id FROM (SELECT meeting_id FROM meetings_participant WHERE user_id = %(user)s
                       OFFSET 0) p
     JOIN meetings_meeting m ON m.id = p.meeting_id
     ORDER BY m.start_time, m.id LIMIT %(limit)s)
), page AS (
    SELECT m.* FROM meetings_meeting m WHERE m.id IN (SELECT id FROM top)
    ORDER BY m.start_time, m.id LIMIT %(limit)s
), shown AS (
    SELECT p.id, p.start_time, json_build_object(
        'id', p.id, 'title', p.title, 'description', p.description, 'location', p.location,
        'start_time', p.start_time, 'end_time', p.end_time, 'status', p.status,
        'cancellation_reason', p.cancellation_reason,
        'room', CASE WHEN r.id IS NULL THEN NULL ELSE
            json_build_object('id', r.id, 'name', r.name, 'location', r.location) END,
        'organizer', json_build_object('id', o.id, 'username', o.username),
        'participants', people.list,
        'created_at', p.created_at, 'updated_at', p.updated_at, 'series_id', p.series_id,
        'original_start_time', p.original_start_time) AS body
    FROM page p
    JOIN accounts_user o ON o.id = p.created_by_id
    LEFT JOIN meetings_room r ON r.id = p.room_id
    CROSS JOIN LATERAL (
        SELECT COALESCE(json_agg(json_build_object(
            'user', json_build_object('id', u.id, 'username', u.username),
            'status', pa.status, 'responded_at', pa.responded_at, 'comment', pa.comment)
            ORDER BY pa.id), '[]'::json) AS list
        FROM meetings_participant pa JOIN accounts_user u ON u.id = pa.user_id
        WHERE pa.meeting_id = p.id) people
), numbered AS (
    SELECT *, row_number() OVER (ORDER BY start_time, id) AS n FROM shown
)
SELECT COALESCE(json_agg(
           (left(body::text, -1) || ', "etag": "\\"' || md5(body::text) || '\\""}')::json
           ORDER BY n) FILTER (WHERE n <= %(size)s), '[]'::json)::text,
       max(start_time) FILTER (WHERE n = %(size)s), max(id) FILTER (WHERE n = %(size)s),
       count(*) > %(size)s
FROM numbered
"""

_connection = None


def _cursor():
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(os.environ["DATABASE_URL"])
        _connection.autocommit = True
    return _connection.cursor()


def _answer(start_response, status: str, body: bytes):
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def _next_link(environ, start_time, meeting_id) -> str:
    key = [start_time.astimezone(UTC).isoformat(), meeting_id]
    raw = json.dumps({"k": key, "b": 0}, separators=(",", ":")).encode()
    cursor = base64.urlsafe_b64encode(raw).decode("ascii").replace("=", "%3D")
    return f"http://{environ['HTTP_HOST']}/api/meetings/?cursor={cursor}"


def meeting_page(environ, start_response):
    found = TOKEN.fullmatch(environ.get("HTTP_AUTHORIZATION", ""))
    if not found:
        return _answer(start_response, "401 Unauthorized", b'{"detail":"Invalid token."}')
    key = found.group(1)
    with _cursor() as cursor:
        cursor.execute(
            CALLER,
            {"key": key[:TOKEN_KEY_LENGTH], "digest": hashlib.sha512(key.encode()).hexdigest()},
        )
        caller = cursor.fetchone()
        if caller is None:
            return _answer(start_response, "401 Unauthorized", b'{"detail":"Invalid token."}')
        user, zone = caller
        cursor.execute(
            PAGE, {"zone": zone, "user": user, "limit": PAGE_SIZE + 1, "size": PAGE_SIZE}
        )
        results, last_start, last_id, more = cursor.fetchone()
    link = json.dumps(_next_link(environ, last_start, last_id) if more else None)
    body = f'{{"next": {link}, "previous": null, "results": {results}}}'.encode()
    return _answer(start_response, "200 OK", body)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/constant/":
        return _answer(start_response, "200 OK", b'{"ok": true}')
    if path == "/list/":
        return meeting_page(environ, start_response)
    return _answer(start_response, "404 Not Found", b'{"detail":"Not found."}')
