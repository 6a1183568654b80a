from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from accounts import selectors, services
from scheduler.api.views import UserTimezoneMixin

from .serializers import MeSerializer, UserPublicSerializer


class MeView(UserTimezoneMixin, generics.RetrieveUpdateAPIView):
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        services.user_update_profile(user=self.request.user, **serializer.validated_data)


@extend_schema(
    parameters=[OpenApiParameter("search", str, description="Part of a username or name.")]
)
class UserSearchView(UserTimezoneMixin, generics.ListAPIView):
    """People to invite: id, username and full name only."""

    serializer_class = UserPublicSerializer
    keyset_ordering = ("username", "id")

    def get_queryset(self):
        term = self.request.query_params.get("search", "")[:100]
        if "\x00" in term:
            raise ValidationError({"search": ["Null characters are not allowed."]})
        return selectors.user_search(term=term)
