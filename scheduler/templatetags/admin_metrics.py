from django import template

from scheduler import caching

register = template.Library()


@register.inclusion_tag("admin/cache_hit_rates.html")
def cache_hit_rates():
    """Hits and misses per cache key family, from the counters every server process shares."""
    rows = [{"family": family, **figures} for family, figures in caching.hit_rates().items()]
    return {"rows": rows}
