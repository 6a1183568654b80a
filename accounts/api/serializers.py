from rest_framework import serializers

from accounts.models import User
from accounts.validators import validate_timezone
from scheduler.api.fields import StrictCharField


class MeSerializer(serializers.ModelSerializer):
    timezone = StrictCharField(max_length=64, validators=[validate_timezone], required=False)
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
