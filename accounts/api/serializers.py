import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import CLIENT_MAX_LENGTH, AuthToken, User
from accounts.validators import (
    canonical_zone,
    iana_zone_names,
    validate_timezone,
    validate_working_days,
)
from scheduler.api.fields import RFC3339DateTimeField, StrictCharField


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


# -- logging in and API tokens -------------------------------------------------------------
PASSWORD_MAX_LENGTH = 4096  # longer is no password anyone types, and costs hashing time


def password_field(**kwargs):
    return StrictCharField(
        max_length=PASSWORD_MAX_LENGTH,
        trim_whitespace=False,
        write_only=True,
        style={"input_type": "password"},
        **kwargs,
    )


class LoginSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = password_field()
    client = StrictCharField(
        max_length=CLIENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="A name for this device or client, shown in the token list (such as "
        '"Alice\'s phone"); the User-Agent header if not given.',
    )


class TokenCreatedSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Send it as `Authorization: Token <token>`. Shown this once: the server "
        "keeps only a digest of it."
    )
    expiry = RFC3339DateTimeField(
        help_text="When it stops working if unused; each use moves it further away."
    )
    id = serializers.IntegerField(help_text="The token's id in the token list.")
    client = serializers.CharField()


def token_created(instance: AuthToken, key: str) -> dict:
    return TokenCreatedSerializer(
        {"token": key, "expiry": instance.expiry, "id": instance.pk, "client": instance.client}
    ).data


class TokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it in the list: never the token, nor its digest."""

    created = RFC3339DateTimeField(read_only=True)
    expiry = RFC3339DateTimeField(read_only=True)
    last_used = RFC3339DateTimeField(
        read_only=True, allow_null=True, help_text="Kept to the minute."
    )
    current = serializers.SerializerMethodField(help_text="The token of this request.")

    class Meta:
        model = AuthToken
        fields = ("id", "client", "created", "expiry", "last_used", "current")
        read_only_fields = fields

    def get_current(self, token) -> bool:
        return token.pk == getattr(self.context["request"].auth, "pk", None)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = password_field()
    new_password = password_field(help_text="Checked by the password rules (length, ...).")

    def validate_new_password(self, value):
        try:
            validate_password(value, user=self.context["request"].user)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from None
        return value
