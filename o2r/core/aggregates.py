"""Aggregates the apps' counting QuerySets share (PostgreSQL)."""

from django.db import connections, models


class Median(models.Aggregate):
    """The median of a numeric expression (NULLs ignored): percentile_cont(0.5)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = models.FloatField()
    allow_distinct = False


class Days(models.Func):
    """(later - earlier) in days, as a float: for medians of delays."""

    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)"
    arg_joiner = " - "
    output_field = models.FloatField()


def count_distinct(queryset, *fields, group_by=None) -> dict:
    """How many distinct `fields` tuples the queryset holds, per value of `group_by` (one of
    `fields`), in one query: COUNT over a DISTINCT subquery, which the ORM cannot say (a
    distinct pair of columns, e.g. (action, resident) per kind of action)."""
    columns = [group_by, *fields] if group_by and group_by not in fields else list(fields)
    inner = queryset.order_by().values(*columns).distinct()
    sql, params = inner.query.sql_with_params()
    names = [f"c{i}" for i in range(len(columns))]
    if group_by is None:
        query = f"SELECT count(*) FROM ({sql}) AS s({', '.join(names)})"  # noqa: S608
    else:
        g = names[columns.index(group_by)]
        query = f"SELECT {g}, count(*) FROM ({sql}) AS s({', '.join(names)}) GROUP BY {g}"  # noqa: S608
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    if group_by is None:
        return {None: rows[0][0]}
    return dict(rows)
