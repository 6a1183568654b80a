"""Request body parsers: DRF's, with a 400 for JSON nested too deeply to parse.

Python's json module recurses once per level of nesting: 100,000 `[` (100 kB) exhaust the
stack, and the RecursionError it raises is not one of the ValueErrors DRF turns into a 400,
so every JSON endpoint answered 500. No request of this API nests more than a few levels.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = "JSON nested too deeply."


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
