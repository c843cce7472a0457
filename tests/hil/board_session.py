"""One board for the whole session: the port opened once, tests that see it in turn.

A QEMU the harness spawns can be started afresh for every fixture; a board
cannot.  Its console is one port (a USB adapter, a ser2net port, a labgrid
place) that only one opener may hold, and the only way to a fresh state is
the description's reset or power commands.  So on a board every fixture gets
a ``BoardView`` of the same ``SerialTarget``/``LabgridTarget``:

* ``view.boot()`` resets the board (power on first if it was powered off)
  and waits for the prompt; without a reset command it resynchronises on
  the prompt of the board as it is;
* everything else (``cmd``, ``expect``, ``send_raw``, ``config``, ...) is the
  board's own;
* ``view.log`` is the part of the transcript from the view's boot until the
  view was released or another view reset the board, so a test that provokes
  oopses on purpose can account for exactly its own (test_diagnostics.py) and
  test_zz_logs.py still means "no unexpected oops";
* the board's whole transcript stays on the board target and is written
  beside the JUnit file at the end of the session.
"""

from __future__ import annotations

import highmem_target as ht


class BoardView:
    """What a fixture holds on a board: the shared board, its own slice of the transcript."""

    def __init__(self, board: ht.SerialTarget, label: str, open_views: list):
        self.board = board
        self.label = label
        self._open_views = open_views
        self.start = len(board.raw_log)
        self.end: int | None = None
        self.note_start = len(board.notes)
        self.got_garbage = False
        self._closed = False
        self._reported = False
        self.booted_here = False
        self._boot_time = None
        open_views.append(self)

    # -- the attributes a test reads from its target ----------------------

    def __getattr__(self, name):
        # Only reached for what BoardView does not define itself: the board's methods and state.
        return getattr(self.board, name)

    @property
    def raw_log(self) -> bytes:
        return self.board.raw_log[self.start:self.end]

    @property
    def log(self) -> str:
        return self.raw_log.decode("latin-1")

    @property
    def notes(self) -> list[str]:
        return self.board.notes[self.note_start:]

    @property
    def boot_time(self):
        return self._boot_time

    def send_garbage(self, nbytes: int, seed: int, chunk: int = 512) -> None:
        self.got_garbage = True
        self.board.send_garbage(nbytes, seed, chunk)

    # -- boot / release ----------------------------------------------------

    def boot(self) -> str:
        """Reset the board (when it can be) and wait for the prompt; this view's log starts here."""
        for v in self._open_views:
            if v is not self and v.end is None:
                v.end = len(self.board.raw_log)  # the reset below is not part of their story
        self.start = len(self.board.raw_log)
        self.note_start = len(self.board.notes)
        out = self.board.boot()
        self.booted_here = True
        self._boot_time = self.board.boot_time
        return out

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.end is None:
            self.end = len(self.board.raw_log)
        if self in self._open_views:
            self._open_views.remove(self)
