"""An admin paginator that does not count a big table row by row just to number its pages."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered PostgreSQL table from the planner's estimate (pg_class.reltuples).

    COUNT(*) reads every row: about 100 ms a page at a million meetings, for a figure that staff
    only use to number pages. Filtered lists, small tables and other databases count exactly;
    so does a table that has never been analyzed (reltuples is -1 then).
    """

    estimate_above = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.distinct:
            return super().count
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        return self._estimate_or_count(connection, queryset.model._meta.db_table)

    def _estimate_or_count(self, connection, table: str) -> int:
        # One query either way, so a page costs the same number of queries at any size.
        quoted = connection.ops.quote_name(table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT CASE WHEN reltuples > %s THEN reltuples::bigint "  # noqa: S608
                f"ELSE (SELECT COUNT(*) FROM {quoted}) END "
                "FROM pg_class WHERE oid = %s::regclass",
                [self.estimate_above, quoted],
            )
            return cursor.fetchone()[0]
