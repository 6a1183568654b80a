import traceback
from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from scheduler.validation import ItemsValidationError

from .parsers import TOO_DEEP

Answer = Callable[[Exception], Response]
_answers: dict[type[Exception], Answer] = {}


def register_answer(error: type[Exception], answer: Answer) -> None:
    """Let an app say how the API answers one of its own errors (meetings: a room booked twice
    is a 409 saying when it is busy), so this kernel handler needs no app's exceptions."""
    _answers[error] = answer


def exception_handler(exc, context):
    """DRF's handler, plus Django's ValidationError (raised by services) as a 400, and the
    answers apps registered for their own errors.

    Services validate what they are given and raise django.core.exceptions.ValidationError,
    keyed by field as DRF does, so the API answers 400 with the field and the reason.
    """
    for error, answer in _answers.items():
        if isinstance(exc, error):
            return answer(exc)
    if isinstance(exc, RecursionError) and _raised_by_a_parser(exc):
        exc = exceptions.ParseError(TOO_DEEP)
    elif isinstance(exc, ItemsValidationError):
        exc = exceptions.ValidationError(detail=exc.item_errors)
    elif isinstance(exc, ObjectDoesNotExist):  # gone while the request ran
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    return drf_exception_handler(exc, context)


def _raised_by_a_parser(exc: BaseException) -> bool:
    """Whether `exc` came out of a parser reading the request body: a view that names its own
    parsers (DRF's ObtainAuthToken does) uses DRF's JSONParser, not ours (parsers.py)."""
    return any(
        frame.f_code is Request._parse.__code__ for frame, _ in traceback.walk_tb(exc.__traceback__)
    )
