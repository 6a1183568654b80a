from django.core.exceptions import ValidationError

# The years a time may fall in: services refuse others, and so do the API's fields (with a
# clearer message than the database's or the zone database's errors far outside them).
FIRST_YEAR, LAST_YEAR = 1900, 2200


class ItemsValidationError(ValidationError):
    """Errors in some items of a list, keyed by index: {"3": {"end_time": ["..."]}}.

    Django's ValidationError cannot nest dicts, and a bulk request must say which item failed.
    """

    def __init__(self, item_errors: dict[str, dict[str, list[str]]]):
        super().__init__("Some items are invalid.", code="invalid_items")
        self.item_errors = item_errors
