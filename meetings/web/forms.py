from django import forms

from meetings.models import Participant

ANSWERS = [
    (Participant.Status.ACCEPTED, "Accept"),
    (Participant.Status.TENTATIVE, "Tentative"),
    (Participant.Status.DECLINED, "Decline"),
]


class RsvpForm(forms.Form):
    status = forms.ChoiceField(choices=ANSWERS)
    comment = forms.CharField(max_length=500, required=False)
