"""Free/busy and find-a-time over HTTP: GET /api/availability/ and /api/availability/suggest/.

fields.py and params.py read the query; serializers.py is the answers' schema; bodies.py builds
the answers as plain dicts; views.py ties them to the core (meetings.availability).
"""
