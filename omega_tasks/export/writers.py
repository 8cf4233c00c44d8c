"""Writing pages of rows as CSV, JSON lines or Parquet (typed columns, one row group a page)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from omega_tasks.export.tables import Row, Table, json_text

FORMATS = ("csv", "jsonl", "parquet")
ROW_GROUP = 16_384  # rows per Parquet row group: memory is bounded by one group
ARROW = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(),
         "time": pa.timestamp("ms", tz="UTC"), "json": pa.string()}


def arrow_schema(table: Table) -> pa.Schema:
    """The Parquet schema of a table: nested values (evidence, views) as JSON text."""
    return pa.schema([(name, ARROW[kind]) for name, kind in table.columns])


def write(table: Table, pages: Iterable[list[Row]], fmt: str, out: IO[bytes]) -> int:
    """Write every page to ``out`` in ``fmt``; return the number of rows."""
    if fmt == "parquet":
        return _parquet(table, pages, out)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        return _csv(table, pages, text) if fmt == "csv" else _jsonl(table, pages, text)
    finally:
        text.flush()
        text.detach()


def _csv(table: Table, pages: Iterable[list[Row]], out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([name for name, _ in table.columns])
    nested = [i for i, (_, kind) in enumerate(table.columns) if kind == "json"]
    count = 0
    for page in pages:
        for row in page:
            cells: list[Any] = list(row)
            for i in nested:
                cells[i] = json_text(cells[i])
            writer.writerow(cells)
        count += len(page)
    return count


def _jsonl(table: Table, pages: Iterable[list[Row]], out: IO[str]) -> int:
    names = [name for name, _ in table.columns]
    count = 0
    for page in pages:
        out.writelines(json.dumps(dict(zip(names, row, strict=True)), separators=(",", ":"))
                       + "\n" for row in page)
        count += len(page)
    return count


def _parquet(table: Table, pages: Iterable[list[Row]], out: IO[bytes]) -> int:
    schema = arrow_schema(table)
    nested = {i for i, (_, kind) in enumerate(table.columns) if kind == "json"}
    count = 0
    group: list[Row] = []

    def flush(writer: pq.ParquetWriter) -> None:
        columns = [[json_text(r[i]) for r in group] if i in nested else [r[i] for r in group]
                   for i in range(len(table.columns))]
        writer.write_table(pa.Table.from_arrays(
            [pa.array(c, type=schema.field(i).type) for i, c in enumerate(columns)],
            schema=schema))
        group.clear()

    with pq.ParquetWriter(out, schema) as writer:
        for page in pages:
            group += page
            count += len(page)
            if len(group) >= ROW_GROUP:
                flush(writer)
        if group or count == 0:
            flush(writer)
    return count
