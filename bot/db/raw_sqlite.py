"""SQLAlchemy Core statements run straight on the sqlite3 connection under a transaction, for the few statements
every message runs (bot/core/dialogue_rows.py).

SQLAlchemy's execution of a statement — context, parameter processing, result set-up — costs ~0.1 ms and ~10 µs a
row, more than SQLite takes to run the dialogue's statements. Here a statement is compiled once for the engine's
own SQLite dialect (per number of values of each expanding parameter and per set of inserted columns), and run
with the `?` parameters in the compiled order; values are converted by the columns' own types — the same bind and
result processors SQLAlchemy would apply (UtcDateTime, JSON through bot/db/json_codec) — so there is one SQL
definition per table, and rows written either way read back the same."""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Executable, Select
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class Compiled:
    sql: str
    params: tuple[tuple[str, int | None, Processor], ...]  # (parameter, index in its list or None, bind processor)
    row: Callable[..., Any] | None  # a named tuple of the selected columns (SELECT only)
    results: tuple[Processor, ...]

    def values(self, given: Mapping[str, Any]) -> tuple[Any, ...]:
        out = []
        for name, index, process in self.params:
            value = given[name] if index is None else given[name][index]
            out.append(process(value) if process is not None else value)
        return tuple(out)

    def rows(self, cursor: Iterable[Sequence[Any]]) -> list[Any]:
        assert self.row is not None
        make, results = self.row, self.results
        return [make(*(p(v) if p is not None else v for p, v in zip(results, raw, strict=True))) for raw in cursor]


@lru_cache(maxsize=256)
def _compiled(
    statement: ClauseElement, dialect: Dialect, sizes: tuple[tuple[str, int], ...], columns: tuple[str, ...] | None
) -> Compiled:
    """`statement` as SQLite text for expanding parameters of `sizes` and inserted `columns` (None: as written)."""
    expanding = dict(sizes)
    if sizes:  # the expanding parameters rendered as `?, ?, …`, which needs a value for every parameter
        names = cast(SQLCompiler, statement.compile(dialect=dialect)).binds
        probe = statement.params({n: [None] * expanding[n] if n in expanding else None for n in names})
        compiled = cast(SQLCompiler, probe.compile(dialect=dialect, compile_kwargs={"render_postcompile": True}))
    else:
        keys = list(columns) if columns is not None else None
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=keys))
    binds = compiled.binds
    params = []
    for positional in compiled.positiontup or ():
        name, index = positional, None
        if positional not in binds or binds[positional].expanding:
            name, _, number = positional.rpartition("_")
            index = int(number) - 1
            assert name in expanding, positional
        params.append((name, index, binds[name].type.dialect_impl(dialect).bind_processor(dialect)))
    row: Any = None
    results: tuple[Any, ...] = ()
    if isinstance(statement, Select):
        selected = list(statement.selected_columns)
        row = namedtuple("Row", [c.key for c in selected])  # type: ignore[misc,no-redef]  # fields: the columns
        results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected)
    return Compiled(compiled.string, tuple(params), row, results)


class RawSqlite:
    """The sqlite3 connection under an AsyncConnection's transaction (bot/db/loop_sqlite.py), running statements."""

    def __init__(self, db: sqlite3.Connection, dialect: Dialect) -> None:
        self._db = db
        self._dialect = dialect

    @classmethod
    async def of(cls, conn: AsyncConnection) -> RawSqlite:
        raw = await conn.get_raw_connection()
        return cls(raw.driver_connection.sqlite, conn.dialect)  # type: ignore[union-attr]

    def rows(self, statement: Select, params: Mapping[str, Any]) -> list[Any]:
        """The rows of a SELECT, as named tuples of its columns' values."""
        sizes = tuple(sorted((k, len(v)) for k, v in params.items() if isinstance(v, list | tuple)))
        compiled = _compiled(statement, self._dialect, sizes, None)
        return compiled.rows(self._db.execute(compiled.sql, compiled.values(params)))

    def many(self, statement: Executable, rows: Sequence[Mapping[str, Any]]) -> None:
        """An INSERT or UPDATE once for each of `rows` (dicts with the same keys)."""
        if not rows:
            return
        columns = tuple(sorted(rows[0]))
        compiled = _compiled(statement, self._dialect, (), columns)
        self._db.executemany(compiled.sql, [compiled.values(r) for r in rows])
