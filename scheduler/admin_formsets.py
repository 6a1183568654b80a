"""Inline rows that cost the admin a fixed number of queries however many of them are posted.

Django validates each row of an inline formset on its own: the row's hidden id is looked up
with a query (a ModelChoiceField over the whole table), and so is every foreign key chosen in
the row, once by the form field and once more by the model's ForeignKey.validate(). Twenty
rows are sixty queries, and django-zeal rightly calls the repeated lookups an N+1. Here the
rows' own objects come from the formset's queryset (loaded once to build the forms) and the
chosen rows from one query for the whole formset.
"""

from collections.abc import Callable
from functools import cached_property, partial

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet


class PreloadedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that finds its choice in `rows()`, a dict by primary key loaded
    once for every form of a formset. Without rows it queries, as Django does."""

    rows: Callable[[], dict] | None = None

    def __init__(self, *args, rows: Callable[[], dict] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows

    def to_python(self, value):
        if self.rows is None or value in self.empty_values:
            return super().to_python(value)
        self.validate_no_null_characters(value)
        try:
            key = self.queryset.model._meta.pk.to_python(value)
        except ValidationError:
            key = None
        row = self.rows().get(key)
        if row is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return row


class PreloadedRowForm(forms.ModelForm):
    """A row whose foreign keys, found among preloaded rows, are not looked up again by the
    model's validation (ForeignKey.validate runs one EXISTS query per row)."""

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        for name, field in self.fields.items():
            if isinstance(field, PreloadedChoiceField) and field.rows is not None:
                exclude.add(name)
        return exclude


class PreloadedInlineFormSet(BaseInlineFormSet):
    """Rows found in the formset's queryset, and foreign keys chosen in the rows (fields made
    with form_class=PreloadedChoiceField) found by one query for all rows.

    Forms made with PreloadedRowForm skip the model's own check of those keys, and with it
    Django's check that two rows do not choose the same one: a subclass that needs it checks
    it in clean().
    """

    def __init__(self, *args, **kwargs):
        self._chosen: dict[str, dict] = {}
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        pk_name = self.model._meta.pk.name
        own = form.fields[pk_name]
        form.fields[pk_name] = PreloadedChoiceField(
            own.queryset,
            rows=lambda: self._saved_rows,
            required=False,
            widget=own.widget,
            initial=own.initial,
        )
        for name, field in form.fields.items():
            if isinstance(field, PreloadedChoiceField) and name != pk_name:
                field.rows = partial(self._chosen_rows, name)

    @cached_property
    def _saved_rows(self) -> dict:
        # The queryset that built the forms, already loaded: no query.
        return {row.pk: row for row in self.get_queryset()}

    def _chosen_rows(self, name: str) -> dict:
        if name not in self._chosen:
            field = self.forms[0].fields[name]
            keys = set()
            for form in self.forms:
                try:
                    keys.add(field.queryset.model._meta.pk.to_python(form[name].data))
                except ValidationError:
                    continue  # not a key: that row's own validation says so
            keys.discard(None)
            self._chosen[name] = {row.pk: row for row in field.queryset.filter(pk__in=keys)}
        return self._chosen[name]
