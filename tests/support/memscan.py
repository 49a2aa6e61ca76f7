"""Search a live process's memory for byte strings (Linux: /proc/PID/maps and /proc/PID/mem).

python -m tests.support.memscan PID HEX [HEX ...]    prints how many times each needle occurs
"""

from __future__ import annotations

import re
import sys

CHUNK = 1 << 20


def count_in_memory(pid: int, needles: list[bytes]) -> dict[bytes, int]:
    """How often each needle occurs in the readable memory of ``pid`` (PermissionError when
    the process may not be read, e.g. it made itself not dumpable and we are not root)."""
    counts = dict.fromkeys(needles, 0)
    longest = max(len(n) for n in needles)
    with open(f"/proc/{pid}/maps", encoding="ascii") as maps:
        regions = [line.split() for line in maps]
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for fields in regions:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if not fields[1].startswith("r") or (len(fields) > 5 and fields[5] == "[vvar]"):
                continue
            tail = b""
            pos = start
            while pos < end:
                try:
                    mem.seek(pos)
                    block = mem.read(min(CHUNK, end - pos))
                except OSError:
                    break
                if not block:
                    break
                data = tail + block
                for needle in needles:
                    # Occurrences wholly inside the carried-over tail were counted already.
                    counts[needle] += sum(
                        1 for m in re.finditer(re.escape(needle), data) if m.end() > len(tail)
                    )
                tail = data[-(longest - 1) :] if longest > 1 else b""
                pos += len(block)
    return counts


if __name__ == "__main__":
    found = count_in_memory(int(sys.argv[1]), [bytes.fromhex(h) for h in sys.argv[2:]])
    for needle, n in found.items():
        print(needle.hex(), n)
