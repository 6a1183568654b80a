"""The answers of free/busy and find-a-time: their schema.

The views build the same shape as plain dicts (bodies.py); a test parses answers back through
these serializers.
"""

from rest_framework import serializers

from meetings import availability
from meetings.api.serializers import RoomSerializer
from scheduler.api.fields import RFC3339DateTimeField, StrictCharField


class BusyIntervalSerializer(serializers.Serializer):
    start_time = RFC3339DateTimeField()
    end_time = RFC3339DateTimeField()
    status = serializers.ChoiceField(
        choices=[availability.BUSY, availability.TENTATIVE],
        help_text="busy: organizing or accepted; tentative: answered tentative or not yet.",
    )


class PersonFreeBusySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = StrictCharField()
    busy = BusyIntervalSerializer(many=True, help_text="Sorted; never two at once.")


class FreeBusySerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": RFC3339DateTimeField(),
            "to": RFC3339DateTimeField(),
            "users": PersonFreeBusySerializer(many=True, help_text="In the order asked."),
        }


class SlotSerializer(serializers.Serializer):
    start_time = RFC3339DateTimeField()
    end_time = RFC3339DateTimeField()
    rooms = RoomSerializer(many=True, required=False, help_text="With room=true only.")


class AttendeeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = StrictCharField()
    timezone = StrictCharField()


class SuggestionSerializer(serializers.Serializer):
    def get_fields(self):
        return {
            "from": RFC3339DateTimeField(),
            "to": RFC3339DateTimeField(),
            "duration": serializers.IntegerField(help_text="Minutes."),
            "attendees": AttendeeSerializer(many=True, help_text="The caller, then those asked."),
            "slots": SlotSerializer(many=True, help_text="Earliest first."),
            "reasons": serializers.ListField(
                child=StrictCharField(), help_text="Why there are no slots (empty if there are)."
            ),
        }
