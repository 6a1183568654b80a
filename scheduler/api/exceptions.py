from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from meetings.api.conflicts import room_conflict_body
from meetings.booking import RoomConflict
from scheduler.validation import ItemsValidationError


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError (raised by services) as a 400, and a
    room booked twice as a 409 naming the meeting that holds it.

    Services validate what they are given and raise django.core.exceptions.ValidationError,
    keyed by field as DRF does, so the API answers 400 with the field and the reason.
    """
    if isinstance(exc, RoomConflict):
        return Response(room_conflict_body(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ItemsValidationError):
        exc = exceptions.ValidationError(detail=exc.item_errors)
    elif isinstance(exc, ObjectDoesNotExist):  # gone while the request ran
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
