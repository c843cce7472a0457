#!/usr/bin/python3
"""A minimal QMP client: the board-like target's power relay and reset button.

    qmp.py SOCKET COMMAND...     run each QMP command (no arguments) in order, e.g.
                                 qmp.py run/qmp.sock system_reset cont

QEMU's machine protocol over a Unix socket (docs/interop/qmp-spec in QEMU):
a greeting, ``qmp_capabilities``, then one JSON object per command, answered
by ``{"return": ...}`` or ``{"error": ...}``; asynchronous events may come in
between and are skipped.  Exit status 0 when every command returned, 1 on an
error reply or a socket that does not answer.
"""

from __future__ import annotations

import json
import socket
import sys


class QmpError(RuntimeError):
    """QEMU answered with an error, or the socket did not answer."""


class Qmp:
    """One QMP session on a Unix socket."""

    def __init__(self, path: str, timeout: float = 10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError as e:
            raise QmpError(f"QMP socket {path}: {e}") from None
        self.file = self.sock.makefile("rwb")
        greeting = self._read()
        if "QMP" not in greeting:
            raise QmpError(f"QMP socket {path}: no greeting ({greeting})")
        self.execute("qmp_capabilities")

    def _read(self) -> dict:
        line = self.file.readline()
        if not line:
            raise QmpError("QMP connection closed")
        return json.loads(line)

    def execute(self, command: str, **arguments):
        """Run one command; return its "return" value."""
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg).encode() + b"\n")
        self.file.flush()
        while True:
            reply = self._read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise QmpError(f"{command}: {reply['error'].get('desc', reply['error'])}")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: qmp.py SOCKET COMMAND...", file=sys.stderr)
        return 2
    try:
        q = Qmp(argv[0])
        for c in argv[1:]:
            q.execute(c)
        q.close()
    except (QmpError, OSError, ValueError) as e:
        print(f"qmp.py: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
