"""A recurrence in words, for people (the admin, messages): "every Monday and Wednesday until
30 June 2027", "every month on the last Friday, 10 times"."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .rules import Recurrence, Rule, WeekdayRule

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
ORDINALS = ("first", "second", "third", "fourth", "fifth")
WORKING_DAYS = frozenset(range(5))


def describe(recurrence: Recurrence, *, first_start: datetime, zone: ZoneInfo) -> str:
    """`first_start` is the rule's DTSTART: a rule without BYDAY or BYMONTHDAY repeats its
    weekday, day of the month or date."""
    local = first_start.astimezone(zone)
    if recurrence.rule is None:
        words = f"on {_count(len(recurrence.rdates), 'chosen date')}"
    else:
        words = _rule_words(recurrence.rule, local, zone)
        if recurrence.rdates:
            words += f", and on {_count(len(recurrence.rdates), 'more date')}"
    if recurrence.exdates:
        words += f", except {_count(len(recurrence.exdates), 'date')}"
    return words


def _rule_words(rule: Rule, local: datetime, zone: ZoneInfo) -> str:
    words = _repeat(rule, local)
    if rule.count is not None:
        words += ", once" if rule.count == 1 else f", {rule.count} times"
    elif rule.until is not None:
        words += f" until {_date(rule.until, zone)}"
    return words


def _repeat(rule: Rule, local: datetime) -> str:
    unit = UNITS[rule.freq]
    every = f"every {unit}" if rule.interval == 1 else f"every {rule.interval} {unit}s"
    in_months = f" in {_months(rule.by_month)}" if rule.by_month else ""
    if rule.freq == "DAILY":
        return every + _limited_to(rule) + in_months
    if rule.freq == "WEEKLY":
        days = rule.by_day or (WeekdayRule(local.weekday()),)
        names = _and([DAY_NAMES[day.weekday] for day in days])
        weekly = f"every {names}" if rule.interval == 1 else f"{every} on {names}"
        return weekly + in_months
    if rule.freq == "MONTHLY":
        return f"{every} on {_days_of_month(rule, local)}{in_months}"
    if not (rule.by_day or rule.by_month_day):
        return f"{every} on {local.day} {_months(rule.by_month or (local.month,))}"
    if rule.by_month:
        return f"{every}{in_months} on {_days_of_month(rule, local)}"
    return f"{every}, on {_days_of_year(rule, local)}"


def _days_of_year(rule: Rule, local: datetime) -> str:
    """A yearly rule's days without BYMONTH: numbered weekdays count in the year, the rest
    repeat in every month."""
    if rule.by_day and not (rule.by_month_day or rule.by_set_pos):
        return _and(
            [
                f"the {_position(day.ordinal)} {DAY_NAMES[day.weekday]} of the year"
                if day.ordinal
                else f"every {DAY_NAMES[day.weekday]}"
                for day in rule.by_day
            ]
        )
    return f"{_days_of_month(rule, local)} of every month"


def _months(months: tuple[int, ...]) -> str:
    return _and([MONTH_NAMES[month - 1] for month in months])


def _limited_to(rule: Rule) -> str:
    if rule.by_day:
        return " on " + _and([DAY_NAMES[day.weekday] for day in rule.by_day])
    return ""


def _days_of_month(rule: Rule, local: datetime) -> str:
    if rule.by_set_pos and rule.by_day:
        chosen = {day.weekday for day in rule.by_day}
        names = (
            "weekday"
            if chosen == WORKING_DAYS
            else "of " + _and([DAY_NAMES[d] for d in sorted(chosen)], "or")
        )
        positions = _and([_position(p) for p in rule.by_set_pos])
        return f"the {positions} {names}"
    parts = [_weekday_of_month(day) for day in rule.by_day]
    parts += [_day_of_month(day) for day in rule.by_month_day]
    return _and(parts) if parts else _day_of_month(local.day)


def _weekday_of_month(day: WeekdayRule) -> str:
    if day.ordinal is None:
        return f"every {DAY_NAMES[day.weekday]}"
    return f"the {_position(day.ordinal)} {DAY_NAMES[day.weekday]}"


def _day_of_month(day: int) -> str:
    if day > 0:
        return f"the {_nth(day)}"
    return "the last day" if day == -1 else f"the {_position(day)} day"


def _position(n: int) -> str:
    """1 -> first, -1 -> last, -2 -> second-to-last."""
    if n == -1:
        return "last"
    if n < 0:
        return f"{_ordinal_word(-n)}-to-last"
    return _ordinal_word(n)


def _ordinal_word(n: int) -> str:
    return ORDINALS[n - 1] if n <= len(ORDINALS) else _nth(n)


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _date(until: datetime | date, zone: ZoneInfo) -> str:
    """UNTIL as the date it falls on in the series' zone."""
    if isinstance(until, datetime):
        until = until.astimezone(zone).date()
    return f"{until.day} {MONTH_NAMES[until.month - 1]} {until.year}"


def _and(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
