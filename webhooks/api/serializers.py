from rest_framework import serializers

from webhooks.models import Delivery, EventType, Subscription


class SubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))
    last_sequence = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = (
            "id",
            "url",
            "events",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "last_sequence",
            "created_at",
        )
        read_only_fields = fields

    def get_last_sequence(self, subscription) -> int:
        """The sequence number of its latest delivery (0: none yet)."""
        return subscription.next_sequence - 1


class SubscriptionSecretSerializer(SubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="whsec_<base64>: the signing secret, shown only in this answer.",
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = (*SubscriptionSerializer.Meta.fields, "secret")
        read_only_fields = fields


class SubscriptionCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, help_text="https only, to a public address.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        max_length=len(EventType.values),
    )


class SubscriptionUpdateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        max_length=len(EventType.values),
        required=False,
    )
    is_active = serializers.BooleanField(
        required=False, help_text="true turns a disabled webhook on again; false pauses it."
    )


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = (
            "id",
            "sequence",
            "webhook_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_code",
            "duration_ms",
            "error",
            "created_at",
            "delivered_at",
            "payload",
        )
        read_only_fields = fields
