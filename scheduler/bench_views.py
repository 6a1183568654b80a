"""Two floors for the load test, routed only with BENCHMARK_VIEWS=true: what the framework
costs (an authenticated view that returns a constant) and what the database costs (the first
page of the meeting list from one raw SQL query that builds the JSON itself)."""

import json

from django.db import connection
from django.http import HttpResponse
from rest_framework.response import Response
from rest_framework.views import APIView

RAW_LIST = """
WITH mine AS (
    SELECT id FROM meetings_meeting WHERE created_by_id = %(user)s
    UNION SELECT meeting_id FROM meetings_participant WHERE user_id = %(user)s
), page AS (
    SELECT m.* FROM meetings_meeting m JOIN mine ON mine.id = m.id
    ORDER BY m.start_time, m.id LIMIT 50
)
SELECT json_build_object('next', NULL, 'previous', NULL, 'results', COALESCE(json_agg(
    json_build_object(
        'id', p.id, 'title', p.title, 'description', p.description, 'location', p.location,
        'start_time', p.start_time, 'end_time', p.end_time, 'status', p.status,
        'cancellation_reason', p.cancellation_reason,
        'organizer', json_build_object('id', o.id, 'username', o.username),
        'participants', (
            SELECT COALESCE(json_agg(json_build_object(
                'user', json_build_object('id', u.id, 'username', u.username),
                'status', pa.status, 'responded_at', pa.responded_at, 'comment', pa.comment)
                ORDER BY pa.id), '[]'::json)
            FROM meetings_participant pa JOIN accounts_user u ON u.id = pa.user_id
            WHERE pa.meeting_id = p.id),
        'created_at', p.created_at, 'updated_at', p.updated_at)
    ORDER BY p.start_time, p.id), '[]'::json))
FROM page p JOIN accounts_user o ON o.id = p.created_by_id
"""


class ConstantView(APIView):
    def get(self, request):
        return Response({"ok": True})


class RawListView(APIView):
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute(RAW_LIST, {"user": request.user.pk})
            (body,) = cursor.fetchone()
        text = body if isinstance(body, str) else json.dumps(body)
        return HttpResponse(text, content_type="application/json")
