"""``omega export``: events, bars, ticks and state as CSV, Parquet or JSON lines, streamed in
pages so memory stays flat however long the range."""
