"""A progress line on stderr: redrawn in place on a terminal, a line now and then otherwise."""

from __future__ import annotations

import sys
import time


class Progress:
    """Show how far feeding and analysis have got towards ``total`` trades."""

    def __init__(self, total: int, width: int = 30) -> None:
        self.total = max(total, 1)
        self.width = width
        self.fed = 0
        self.analysed = 0
        self.started = time.monotonic()
        self._shown = 0.0
        self._tty = sys.stderr.isatty()

    def update(self, fed: int | None = None, analysed: int | None = None) -> None:
        if fed is not None:
            self.fed = fed
        if analysed is not None:
            self.analysed = analysed
        now = time.monotonic()
        if now - self._shown < (0.1 if self._tty else 2.0):
            return
        self._shown = now
        done = self.analysed / self.total
        bar = "#" * int(done * self.width)
        line = (f"[{bar:<{self.width}}] {done:6.1%}  fed {self.fed:,}  analysed "
                f"{self.analysed:,} of {self.total:,} trades  {now - self.started:5.1f}s")
        sys.stderr.write(("\r" + line) if self._tty else (line + "\n"))
        sys.stderr.flush()

    def finish(self) -> None:
        self._shown = 0.0
        self.update()
        if self._tty:
            sys.stderr.write("\n")
