"""How the steps write: COPY and `INSERT ... SELECT` helpers, the foreign keys and indexes set
aside while millions of rows go in, the history triggers kept off, the SQL random draws (a
hash of the row's number and the seed), and the timing of each part."""

import time

from django.apps import apps
from django.db import models
from psycopg import sql


def table(model):
    return sql.Identifier(model._meta.db_table)


def copy_rows(cursor, model, columns, rows):
    """COPY `rows` (tuples in the order of `columns`) into the model's table."""
    missing = _defaults(model, columns)
    extra = tuple(missing.values())
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        table(model), sql.SQL(", ").join(map(sql.Identifier, [*columns, *missing]))
    )
    count = 0
    with cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row + extra)
            count += 1
    return count


def insert_select(cursor, model, columns, source):
    """INSERT INTO <model> (<columns>) SELECT <expressions> <source>. `columns` maps a column
    to an SQL expression, and `source` is SQL (each a str or a psycopg Composable); fields
    left out get their default."""
    missing = _defaults(model, columns)
    expressions = [sql.SQL(e) if isinstance(e, str) else e for e in columns.values()]
    expressions += [sql.Literal(value) for value in missing.values()]
    cursor.execute(
        sql.SQL("INSERT INTO {} ({}) SELECT {} {}").format(
            table(model),
            sql.SQL(", ").join(map(sql.Identifier, [*columns, *missing])),
            sql.SQL(", ").join(expressions),
            sql.SQL(source) if isinstance(source, str) else source,
        )
    )
    return cursor.rowcount


def _defaults(model, given):
    """Column -> model default of the concrete fields `given` leaves out (auto ids aside), so
    that a field added later with a default does not break the generator."""
    return {
        field.column: field.get_default()
        for field in model._meta.concrete_fields
        if field.column not in given and not isinstance(field, models.AutoField)
    }


def drop_foreign_keys(cursor, written, *, referencing=False):
    """Drops the foreign keys of the tables written here (and, if `referencing`, those of
    other tables pointing at them, so that they can be truncated): checking 1.5 million
    deferred constraints one by one at commit takes longer than writing the rows. Returns what
    _add_foreign_keys needs to put them back, which checks every row in one pass."""
    tables = [model._meta.db_table for model in written]
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) "
        "OR (%s AND confrelid = ANY(%s::regclass[])))",
        [tables, referencing, tables],
    )
    foreign_keys = cursor.fetchall()
    for table, name, _ in foreign_keys:
        cursor.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.SQL(table), sql.Identifier(name)
            )
        )
    return foreign_keys


def add_foreign_keys(cursor, foreign_keys):
    for table, name, definition in foreign_keys:
        cursor.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                sql.SQL(table), sql.Identifier(name), sql.SQL(definition)
            )
        )


def drop_indexes(cursor, written):
    """Drops the indexes of the tables given, and the primary key or unique constraints they
    back, unless a foreign key needs one: building an index once over millions of rows is
    several times faster than keeping it up to date row by row. Returns what _add_indexes
    needs to build them again."""
    cursor.execute(
        "SELECT i.indrelid::regclass::text, ci.relname, c.conname, "
        "coalesce(pg_get_constraintdef(c.oid), pg_get_indexdef(i.indexrelid)) "
        "FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "AND c.contype IN ('p', 'u', 'x') "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
        "WHERE f.contype = 'f' AND f.conindid = i.indexrelid)",
        [[model._meta.db_table for model in written]],
    )
    indexes = cursor.fetchall()
    for table, index, constraint, _ in indexes:
        if constraint:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    sql.SQL(table), sql.Identifier(constraint)
                )
            )
        else:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
    return indexes


def add_indexes(cursor, indexes):
    for table, _, constraint, definition in indexes:
        if constraint:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    sql.SQL(table), sql.Identifier(constraint), sql.SQL(definition)
                )
            )
        else:
            cursor.execute(definition)  # pg_get_indexdef's CREATE INDEX


def text_array(values):
    return sql.SQL("{}::text[]").format(sql.Literal(list(values)))


def truncate(cursor, written, reminder_owners, versioned):
    """Empties a step's tables and their history, deletes its reminders (by their keys'
    owners) and forgets the step's version (the comment on `versioned`'s table)."""
    tables = [model._meta.db_table for model in written]
    events = [
        event._meta.db_table
        for model in written
        for event in getattr(model, "pgh_event_models", {}).values()
    ]
    cursor.execute(
        sql.SQL("TRUNCATE {} RESTART IDENTITY").format(
            sql.SQL(", ").join(map(sql.Identifier, dict.fromkeys([*tables, *events])))
        )
    )
    cursor.execute(
        "DELETE FROM reminders_reminder WHERE split_part(dedup_key, ':', 1) = ANY(%s)",
        [list(reminder_owners)],
    )
    cursor.execute(sql.SQL("COMMENT ON TABLE {} IS NULL").format(table(versioned)))


def uniform(number, salt):
    """SQL for a number in [0, 1) drawn from the SQL integer expression `number`: the same for
    the same number and salt, unrelated across salts (a step makes its salts of the seed)."""
    return sql.SQL(
        "((hashint8extended(({})::bigint, {}) & 4294967295)::float8 / 4294967296)"
    ).format(sql.SQL(number), sql.Literal(salt))


def weighted(u, weights):
    """SQL for one key of `weights` ({value: weight}), chosen by the uniform column `u`."""
    total = sum(weights.values())
    *firsts, last = weights
    cases, cumulative = [], 0
    for value in firsts:
        cumulative += weights[value]
        cases.append(
            sql.SQL("WHEN {} < {} THEN {}").format(
                sql.SQL(u), sql.Literal(cumulative / total), sql.Literal(str(value))
            )
        )
    return sql.SQL("CASE {} ELSE {} END").format(sql.SQL(" ").join(cases), sql.Literal(str(last)))


def pick(u, texts):
    """SQL for one of `texts`, chosen by the uniform column `u`."""
    return sql.SQL("({})[1 + floor({} * {})::int]").format(
        text_array(texts), sql.SQL(u), sql.Literal(len(texts))
    )


def pick_by_index(index, texts):
    """SQL for texts[index], `index` an SQL integer expression from 0."""
    return sql.SQL("({})[1 + {}]").format(text_array(texts), sql.SQL(index))


def reset_sequences(cursor, written):
    """Moves the id sequences of the tables written past their last row."""
    for model in written:
        if not isinstance(model._meta.pk, models.AutoField):
            continue  # the SMS: uuids
        name = model._meta.db_table
        cursor.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "(SELECT coalesce(max(id), 0) + 1 FROM {}), false)"
            ).format(sql.Identifier(name)),
            [name],
        )


def restart_sequences(cursor, written):
    """Restarts the id sequences of empty tables at 1, so that the rows get the same ids
    whatever was written and rolled back before (sequences ignore rollbacks)."""
    for model in written:
        if isinstance(model._meta.pk, models.AutoField):
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)",
                [model._meta.db_table],
            )


def triggers_off(cursor, written):
    """Turns off the history triggers of the tables written (generated rows are not changes
    of anyone's file), in this transaction only. Returns the tables for triggers_on."""
    names = {model._meta.db_table for model in written}
    tracked = [
        model._meta.db_table
        for model in apps.get_models()
        if hasattr(model, "pgh_event_models") and model._meta.db_table in names
    ]
    for name in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(sql.Identifier(name)))
    return tracked


def triggers_on(cursor, tracked):
    for name in tracked:
        cursor.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(sql.Identifier(name)))


def comment(cursor, model):
    """The comment on the model's table: the version of the step that wrote it."""
    cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [model._meta.db_table])
    return cursor.fetchone()[0]


def set_comment(cursor, model, text):
    cursor.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(table(model), sql.Literal(text)))


def finish_step(cursor, timer, *, foreign_keys, sequences, tracked, marked, version, indexes=None):
    """The end of every step, after its rows: the indexes dropped for them built again (when
    the step dropped any), the foreign keys checked, the sequences moved past the written ids,
    the history triggers back on, and the step's version written on its `marked` model's
    table. Returns the step's timings."""
    if indexes is not None:
        timer.part("index", lambda: add_indexes(cursor, indexes) or len(indexes), "construits")
    timer.part(
        "clés étrangères",
        lambda: add_foreign_keys(cursor, foreign_keys) or len(foreign_keys),
        "vérifiées",
    )
    reset_sequences(cursor, sequences)
    triggers_on(cursor, tracked)
    set_comment(cursor, marked, version)
    return timer.timings


class Timer:
    """Times the parts of a step and prints one line for each: {label: seconds}."""

    def __init__(self, log):
        self.log = log
        self.timings = {}

    def _timed(self, label, function):
        started = time.perf_counter()
        result = function()
        self.timings[label] = time.perf_counter() - started
        return result

    def rows(self, label, function):
        """`function` writes rows and returns how many."""
        count = self._timed(label, function)
        self.log(f"  {label:<18} {count:>9,} lignes  {self.timings[label]:6.1f} s")

    def part(self, label, function, what):
        """`function` returns how many `what` (index built, foreign keys checked)."""
        count = self._timed(label, function)
        self.log(f"  {label:<18} {count:>9} {what:<9} {self.timings[label]:5.1f} s")
