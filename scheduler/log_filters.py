"""Logging pieces shared by every environment."""

import logging
import re

# A calendar feed's URL holds the token that opens it (meetings/feed/api/urls.py).
FEED_SECRET = re.compile(r"(/api/feeds/)[^/\s\"']+(\.ics)")


def hide_secrets(text: str) -> str:
    return FEED_SECRET.sub(r"\1[secret]\2", text)


class HideSecrets(logging.Filter):
    """Takes feed tokens out of every line a handler writes, whoever logs the path: the request
    log, Django's own 4xx/5xx warnings, the 503 page's warning."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = hide_secrets(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True
