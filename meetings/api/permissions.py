from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsOrganizerOrReadOnly(BasePermission):
    """Everybody who can see a meeting may read it; only its organizer may change it.

    Who can see it is the queryset's business: a stranger gets 404, never 403.
    """

    message = "Only the organizer can change this meeting."

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or obj.created_by_id == request.user.pk
