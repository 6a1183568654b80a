"""The answer of the owner's feed endpoints: where to subscribe."""

from rest_framework import serializers


class FeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The feed: subscribe to it in a calendar application.")
    webcal_url = serializers.CharField(
        help_text="The same feed as webcal://, which opens the calendar application."
    )
