from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from scheduler.validation import ItemsValidationError


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError (raised by services) as a 400.

    Services validate what they are given and raise django.core.exceptions.ValidationError,
    keyed by field as DRF does, so the API answers 400 with the field and the reason.
    """
    if isinstance(exc, ItemsValidationError):
        exc = exceptions.ValidationError(detail=exc.item_errors)
    elif isinstance(exc, ObjectDoesNotExist):  # gone while the request ran
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)
