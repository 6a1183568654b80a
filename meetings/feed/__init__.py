"""The calendar feed: a user's meetings as an iCalendar document behind a secret URL.

selectors.py reads (whose feed a secret opens, which meetings it shows); ics.py renders them
(RFC 5545); api/ serves the feed and its owner's endpoints. The secret itself lives on the user
(accounts.services.user_feed_token). docs/feed.md tells the rules.
"""
