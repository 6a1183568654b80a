from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import DeliveryViewSet, SubscriptionViewSet

router = SimpleRouter()
router.register("webhooks", SubscriptionViewSet, basename="webhook")

deliveries = DeliveryViewSet.as_view({"get": "list"})
delivery = DeliveryViewSet.as_view({"get": "retrieve"})
redeliver = DeliveryViewSet.as_view({"post": "redeliver"}, detail=True)

urlpatterns = [
    *router.urls,
    path(
        "webhooks/<int:id>/deliveries/",
        deliveries,
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<int:id>/deliveries/<int:delivery_id>/",
        delivery,
        name="webhook-delivery",
    ),
    path(
        "webhooks/<int:id>/deliveries/<int:delivery_id>/redeliver/",
        redeliver,
        name="webhook-delivery-redeliver",
    ),
]
