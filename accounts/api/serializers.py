import re

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from accounts.validators import (
    canonical_zone,
    iana_zone_names,
    validate_timezone,
    validate_working_days,
)
from scheduler.api.fields import StrictCharField


class TimeZoneField(StrictCharField):
    """An IANA zone name; the schema lists them all, so clients can offer a choice. An alias
    left out of that list (GMT0) is accepted and stored, and answered, under its listed name."""

    def __init__(self, **kwargs):
        super().__init__(max_length=64, validators=[validate_timezone], **kwargs)

    def to_internal_value(self, data):
        return canonical_zone(super().to_internal_value(data))

    def to_representation(self, value):
        return canonical_zone(super().to_representation(value))


class TimeZoneFieldSchema(OpenApiSerializerFieldExtension):
    """The zone list is read from the disk when the schema is built, not when a process starts."""

    target_class = TimeZoneField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": iana_zone_names(), "example": "Europe/Paris"}


WALL_CLOCK = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


@extend_schema_field({"type": "string", "pattern": WALL_CLOCK, "example": "09:00"})
class WallClockField(serializers.TimeField):
    """A time of day as the user's own clocks show it: HH:MM or HH:MM:SS, no offset.

    OpenAPI's `format: time` is RFC 3339's, which requires an offset, and Django would drop
    one it was sent: working hours are in the user's zone, so an offset is refused instead.
    """

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.fullmatch(WALL_CLOCK, value):
            self.fail("invalid", format="HH:MM or HH:MM:SS")
        return super().to_internal_value(value)


@extend_schema_field({"type": "string", "pattern": "^[1-7]{1,7}$", "example": "12345"})
class WorkingDaysField(StrictCharField):
    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", "ISO weekdays worked, each once: 1 = Monday ... 7 = Sunday, such as 12345."
        )
        super().__init__(max_length=7, validators=[validate_working_days], **kwargs)


class OptionalEmailField(serializers.EmailField):
    """An address, or null for none. Users store "" for none, which is no address: the schema
    says `format: email`, so a client may rely on one, and null tells it there is none."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class MeSerializer(serializers.ModelSerializer):
    email = OptionalEmailField(read_only=True)
    timezone = TimeZoneField(required=False)
    first_name = StrictCharField(max_length=150, allow_blank=True, required=False)
    last_name = StrictCharField(max_length=150, allow_blank=True, required=False)
    work_start = WallClockField(required=False, help_text="Start of the working day.")
    work_end = WallClockField(required=False, help_text="End of the working day (after its start).")
    working_days = WorkingDaysField(required=False)

    class Meta:
        model = User
        fields = (
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "timezone",
            "reminder_minutes",
            "work_start",
            "work_end",
            "working_days",
        )
        read_only_fields = ("id", "username", "email")
        extra_kwargs = {
            "first_name": {"required": False},
            "last_name": {"required": False},
            "reminder_minutes": {"required": False},
        }

    def validate(self, attrs):
        # A PATCH may change one end of the day: compare with the other as saved.
        start = attrs.get("work_start", getattr(self.instance, "work_start", None))
        end = attrs.get("work_end", getattr(self.instance, "work_end", None))
        if start is not None and end is not None and end <= start:
            raise serializers.ValidationError(
                {"work_end": ["The working day must end after it starts."]}
            )
        return attrs


class UserPublicSerializer(serializers.ModelSerializer):
    """What anyone may see of another user, to invite them: no e-mail, nothing else."""

    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "username", "full_name")
        read_only_fields = fields

    def get_full_name(self, user) -> str:
        return user.get_full_name()
