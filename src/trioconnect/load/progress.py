"""Live progress of a load run: one line per snapshot, printed the way the terminal allows.

:func:`format_progress` turns a :class:`~trioconnect.load.metrics.Snapshot` into one line (pure).
:class:`ProgressPrinter` decides how lines reach a stream: on a terminal one line is rewritten in
place with ``\\r`` at every snapshot; anywhere else (a file, a pipe, CI logs) a new line is written
at most every ``every`` seconds of run time, so logs stay short. :meth:`ProgressPrinter.close`
ends the line on a terminal, or writes the last snapshot if it was not printed yet.
"""

from __future__ import annotations

from typing import TextIO

from trioconnect.load.metrics import Snapshot

__all__ = ["ProgressPrinter", "format_progress"]


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}ms"


def format_progress(snapshot: Snapshot) -> str:
    """One line describing ``snapshot``, e.g.

    ``  12.0s chats 40/100 (25 active, 15 done, 0 failed) | 120 msgs 35.0/s | 118 replies
    p50 82ms p99 150ms | 0 errors`` (on one line).
    """
    s = snapshot
    return (
        f"{s.elapsed:6.1f}s chats {s.chats_started}/{s.chats_total} "
        f"({s.chats_active} active, {s.chats_finished} done, {s.chats_failed} failed) | "
        f"{s.messages_sent} msgs {s.messages_per_second:.1f}/s | "
        f"{s.replies} replies p50 {_ms(s.reply_p50)} p99 {_ms(s.reply_p99)} | "
        f"{s.errors} errors"
    )


class ProgressPrinter:
    """Prints snapshots to ``stream``: in place on a terminal, every ``every`` s otherwise.

    An instance is the ``progress`` callback of :func:`~trioconnect.load.runner.run_load`.

    Args:
        stream: where lines go (the command uses stderr, so stdout holds only the summary).
        tty: whether ``stream`` is a terminal; by default ``stream.isatty()``.
        every: seconds of run time between two lines when not on a terminal.
    """

    def __init__(self, stream: TextIO, *, tty: bool | None = None, every: float = 5.0) -> None:
        self._stream = stream
        self._tty = stream.isatty() if tty is None else tty
        self._every = every
        self._width = 0
        self._last_printed: float | None = None
        self._unprinted: str | None = None

    def __call__(self, snapshot: Snapshot) -> None:
        """Show one snapshot."""
        line = format_progress(snapshot)
        if self._tty:
            # Pad with spaces so that a shorter line hides the end of a longer one.
            self._stream.write("\r" + line.ljust(self._width))
            self._width = max(self._width, len(line))
            self._stream.flush()
            return
        due = self._last_printed is None or snapshot.elapsed - self._last_printed >= self._every
        if due:
            self._stream.write(line + "\n")
            self._stream.flush()
            self._last_printed = snapshot.elapsed
            self._unprinted = None
        else:
            self._unprinted = line

    def close(self) -> None:
        """Finish: end the rewritten line, or print the last snapshot not printed yet."""
        if self._tty:
            if self._width:
                self._stream.write("\n")
                self._stream.flush()
            self._width = 0
        elif self._unprinted is not None:
            self._stream.write(self._unprinted + "\n")
            self._stream.flush()
            self._unprinted = None
