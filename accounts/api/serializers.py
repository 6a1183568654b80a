from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from accounts.models import User
from accounts.validators import iana_zone_names, validate_timezone
from scheduler.api.fields import StrictCharField


class TimeZoneField(StrictCharField):
    """An IANA zone name; the schema lists them all, so clients can offer a choice."""

    def __init__(self, **kwargs):
        super().__init__(max_length=64, validators=[validate_timezone], **kwargs)


class TimeZoneFieldSchema(OpenApiSerializerFieldExtension):
    """The zone list is read from the disk when the schema is built, not when a process starts."""

    target_class = TimeZoneField

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": iana_zone_names(), "example": "Europe/Paris"}


class MeSerializer(serializers.ModelSerializer):
    timezone = TimeZoneField(required=False)
    first_name = StrictCharField(max_length=150, allow_blank=True, required=False)
    last_name = StrictCharField(max_length=150, allow_blank=True, required=False)

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
        )
        read_only_fields = ("id", "username", "email")
        extra_kwargs = {
            "first_name": {"required": False},
            "last_name": {"required": False},
            "reminder_minutes": {"required": False},
        }


class UserPublicSerializer(serializers.ModelSerializer):
    """What anyone may see of another user, to invite them: no e-mail, nothing else."""

    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "username", "full_name")
        read_only_fields = fields

    def get_full_name(self, user) -> str:
        return user.get_full_name()
