"""Recurring meetings: a series' rule and its occurrences.

rules.py reads the RFC 5545 lines clients send (RRULE, EXDATE, RDATE) and refuses, naming the
part, whatever it does not support; expand.py turns a rule into occurrences in the wall-clock
time of the series' zone, across daylight-saving changes. Both are plain Python: the series
model, its services and its API build on them (issue 17).
"""
