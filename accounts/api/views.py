from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError

from accounts import selectors, services
from scheduler.api.views import UserTimezoneMixin

from .serializers import MeSerializer, UserPublicSerializer

SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100  # longer terms are cut to this


class MeView(UserTimezoneMixin, generics.RetrieveUpdateAPIView):
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        services.user_update_profile(user=self.request.user, **serializer.validated_data)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "search",
            # Two characters that are not spaces: the term is used without the spaces around it.
            {"type": "string", "minLength": SEARCH_MIN_LENGTH, "pattern": r"\S[\s\S]*\S"},
            required=True,
            description="Part of a username or name: two characters or more (spaces around "
            "it do not count). There is no list of everybody.",
        )
    ]
)
class UserSearchView(UserTimezoneMixin, generics.ListAPIView):
    """People to invite: id, username and full name only."""

    serializer_class = UserPublicSerializer
    keyset_ordering = ("username", "id")

    def get_queryset(self):
        term = self.request.query_params.get("search", "")
        if "\x00" in term:
            raise ValidationError({"search": ["Null characters are not allowed."]})
        term = term.strip()[:SEARCH_MAX_LENGTH].strip()
        if len(term) < SEARCH_MIN_LENGTH:
            raise ValidationError(
                {"search": [f"Give at least {SEARCH_MIN_LENGTH} characters of a username or name."]}
            )
        return selectors.user_search(term=term)
