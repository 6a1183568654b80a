"""A person's view of their meetings: thin views over meetings.selectors and meetings.services.

Visibility comes from the selectors' querysets: a stranger's meeting is a 404, as in the API.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from meetings import selectors
from meetings.models import Meeting
from meetings.services.participants import meeting_rsvp

from .forms import ANSWERS, RsvpForm

LOGIN_URL = reverse_lazy("web:login")
UPCOMING = 50


def _meeting_for(request, pk: int) -> Meeting:
    return get_object_or_404(selectors.meeting_detail_queryset(user=request.user), pk=pk)


def _by_field(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {None: error.messages}


def _render_meeting(request, meeting: Meeting, form: RsvpForm, *, status: int = 200):
    mine = next((p for p in meeting.participants.all() if p.user_id == request.user.pk), None)
    context = {
        "meeting": meeting,
        "mine": mine,
        "answers": ANSWERS,
        "form": form,
        "can_answer": mine is not None and meeting.status == Meeting.Status.SCHEDULED,
    }
    return render(request, "meetings/web/meeting.html", context, status=status)


@require_GET
@login_required(login_url=LOGIN_URL)
def meeting_list_page(request):
    meetings = selectors.meeting_agenda(user=request.user, start=timezone.now())[:UPCOMING]
    return render(request, "meetings/web/meetings.html", {"meetings": meetings})


@require_GET
@login_required(login_url=LOGIN_URL)
def meeting_page(request, pk: int):
    return _render_meeting(request, _meeting_for(request, pk), RsvpForm())


@require_POST
@login_required(login_url=LOGIN_URL)
def meeting_rsvp_page(request, pk: int):
    meeting = _meeting_for(request, pk)
    form = RsvpForm(request.POST)
    if form.is_valid():
        try:
            meeting_rsvp(meeting=meeting, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, reasons in _by_field(error).items():
                form.add_error(field if field in form.fields else None, reasons)
        else:
            answer = dict(ANSWERS)[form.cleaned_data["status"]]
            messages.success(request, f"Your answer is saved: {answer.lower()}.")
            return redirect("web:meeting", pk=meeting.pk)
    return _render_meeting(request, meeting, form, status=400)
