from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from scheduler.api.views import UserTimezoneMixin
from webhooks import selectors, services

from .serializers import (
    DeliverySerializer,
    SubscriptionCreateSerializer,
    SubscriptionSecretSerializer,
    SubscriptionSerializer,
    SubscriptionUpdateSerializer,
)

SIGNED = (
    "Deliveries are POSTed as JSON and signed as Standard Webhooks say: headers webhook-id "
    "(the same on every attempt), webhook-timestamp and webhook-signature "
    "(v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}' with the secret's bytes)."
)


@extend_schema_view(
    list=extend_schema(description="My webhooks."),
    retrieve=extend_schema(description="One of my webhooks (a stranger's: 404)."),
    create=extend_schema(
        request=SubscriptionCreateSerializer,
        responses={
            201: SubscriptionSecretSerializer,
            400: OpenApiResponse(description="A field and the reason, e.g. a URL refused."),
        },
        description="A webhook for changes to the meetings I can see. The answer holds its "
        "signing secret, shown this once. " + SIGNED,
    ),
    partial_update=extend_schema(
        request=SubscriptionUpdateSerializer,
        responses={200: SubscriptionSerializer, 400: OpenApiResponse(description="Bad field.")},
    ),
    destroy=extend_schema(responses={204: None}),
)
class SubscriptionViewSet(
    UserTimezoneMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    keyset_ordering = ("id",)
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if self.action in ("list", "retrieve"):
            return selectors.subscription_list(user=self.request.user)
        return selectors.subscription_with_secret(user=self.request.user)

    def get_serializer_class(self):
        return {
            "create": SubscriptionCreateSerializer,
            "partial_update": SubscriptionUpdateSerializer,
        }.get(self.action, SubscriptionSerializer)

    def create(self, request):
        data = self._valid(SubscriptionCreateSerializer)
        subscription = services.subscription_create(owner=request.user, **data)
        body = SubscriptionSecretSerializer(subscription).data
        return Response(body, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        subscription = self.get_object()  # a stranger's: 404, whatever the body says
        data = self._valid(SubscriptionUpdateSerializer)
        subscription = services.subscription_update(subscription=subscription, **data)
        return Response(SubscriptionSerializer(subscription).data)

    def perform_destroy(self, instance):
        services.subscription_delete(subscription=instance)

    @extend_schema(
        request=None,
        responses=SubscriptionSecretSerializer,
        description="A new signing secret, shown this once; the old one stops at once.",
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        subscription = services.subscription_rotate_secret(subscription=self.get_object())
        return Response(SubscriptionSecretSerializer(subscription).data)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(description="The delivery log of one of my webhooks, newest first."),
    retrieve=extend_schema(description="One delivery, with its payload."),
)
class DeliveryViewSet(
    UserTimezoneMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = DeliverySerializer
    keyset_ordering = ("-id",)
    lookup_url_kwarg = "delivery_id"

    def get_queryset(self):
        return selectors.delivery_list(user=self.request.user, subscription_id=self.kwargs["id"])

    def list(self, request, *args, **kwargs):
        # A stranger's webhook, or none: 404, not an empty log.
        get_object_or_404(selectors.subscription_list(user=request.user).only("id"),
                          pk=self.kwargs["id"])  # fmt: skip
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=None,
        responses={
            202: DeliverySerializer,
            400: OpenApiResponse(description="Still pending: it will be sent."),
        },
        description="Send a delivered or failed delivery again: the same webhook-id, a new "
        "attempt. It goes ahead of what is pending.",
    )
    @action(detail=True, methods=["post"])
    def redeliver(self, request, *args, **kwargs):
        delivery = services.delivery_redeliver(delivery=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
