from collections.abc import Iterable

from django.db.models import Count

from .models import Participant


def meeting_participant_counts(*, meeting_ids: Iterable[int]) -> dict[int, int]:
    """How many people each meeting invites, in one grouped query over the given meetings."""
    rows = (
        Participant.objects.filter(meeting_id__in=list(meeting_ids))
        .order_by()
        .values_list("meeting_id")
        .annotate(n=Count("*"))
    )
    return dict(rows)
