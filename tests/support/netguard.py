"""Run outreach with every network socket operation refused and reported.

    python tests/support/netguard.py cli ARGS...      # the outreach command line
    python tests/support/netguard.py tui MODULE:FUNC  # an async function driving the app headless
    python tests/support/netguard.py script FILE      # any Python file (to test the guard itself)

An audit hook sees every socket connect, bind, send and name lookup the interpreter makes,
from any library, and appends it to the file named by NETGUARD_LOG before refusing it.
Local socketpairs (asyncio's self-pipe) are allowed: they never leave the process.
"""

from __future__ import annotations

import os
import socket
import sys

WATCHED = {
    "socket.connect",
    "socket.bind",
    "socket.sendto",
    "socket.sendmsg",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyaddr",
    "socket.getnameinfo",
}
LOCAL = (socket.AF_UNIX,) if hasattr(socket, "AF_UNIX") else ()


def _hook(event: str, args: tuple[object, ...]) -> None:
    if event not in WATCHED:
        return
    if args and isinstance(args[0], socket.socket) and args[0].family in LOCAL:
        return
    with open(os.environ["NETGUARD_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{event} {args[1:] if args else ''}\n")
    raise PermissionError(f"network use refused: {event}")


def main() -> None:
    sys.addaudithook(_hook)
    mode, *rest = sys.argv[1:]
    if mode == "cli":
        sys.argv = ["outreach", *rest]
        from outreach.cli import main as cli_main

        cli_main()
    elif mode == "script":
        import runpy

        runpy.run_path(rest[0], run_name="__main__")
    else:
        import asyncio
        import importlib

        module, func = rest[0].split(":")
        asyncio.run(getattr(importlib.import_module(module), func)())


if __name__ == "__main__":
    main()
