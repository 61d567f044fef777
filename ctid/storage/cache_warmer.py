"""Keep the SQLite file's pages in memory, so that every pop is as fast as one for a customer just seen.

Why: a pop reads a dozen B-tree pages scattered over the whole file (the caller is any one of a million
customers). A page that is not in memory costs a disk read, ~0.1-0.5 ms each here, so a cold card costs
several milliseconds. Reading the file once at start is not enough: the kernel reclaims page-cache pages
that nobody has mapped once they have been idle a while (memory managers such as DAMON's reclaim do this
proactively on virtual machines). Mapped pages are kept, so the warmer reads the file through once (the
reads run without the GIL), maps it read-only, faults every page into the mapping, and keeps the mapping
until the daemon stops; when the file has grown, the new part is read and mapped too.

These are the file's own cache pages, shared with SQLite's reads, not copies: the kernel can still take
them back under real memory pressure. Skipped when the file is larger than half of the memory available.

One rule this module lives by: no file descriptor of the database is ever closed while SQLite has it open.
POSIX locks belong to the process, and closing *any* descriptor of the file drops every lock SQLite holds
on it (sqlite.org/howtocorrupt.html, 2.2). So the descriptor and the mappings (each holds a duplicate of
it) stay open until ``close()``, which the database calls after its engines are disposed.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import os
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

SHARE_OF_AVAILABLE = 0.5
RECHECK_S = 60.0
GROWTH = 1 << 20  # map again once the file has grown by this much
CHUNK = 1 << 22
MADV_POPULATE_READ = 22  # Linux 5.14+: fault the pages into the mapping without touching them one by one


class CacheWarmer:
    def __init__(self, path: Path, recheck_s: float = RECHECK_S) -> None:
        self._path = path
        self._recheck_s = recheck_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._fd: int | None = None
        self._maps: list[mmap.mmap] = []
        self.mapped = 0
        """Bytes of the file kept in memory so far."""
        self.warm = threading.Event()
        """Set once the file has been kept (or skipped) the first time."""

    def resident(self) -> bool:
        """Whether the file has been kept in memory (so reading it waits for no disk)."""
        return self.warm.is_set() and self.mapped > 0

    def start(self) -> None:
        try:
            self._fd = os.open(self._path, os.O_RDONLY)
        except OSError as error:
            log.warning("database not kept in memory: %s", error)
            self.warm.set()
            return
        self._thread = threading.Thread(target=self._run, name="db-cache-warmer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop mapping more (the mappings stay until ``close``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def close(self) -> None:
        """Unmap and close: only once SQLite has closed the file (see the module doc)."""
        self.stop()
        for mapping in self._maps:
            with contextlib.suppress(BufferError, ValueError):
                mapping.close()
        self._maps.clear()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _run(self) -> None:
        try:
            began = time.monotonic()
            if self._extend():
                seconds = time.monotonic() - began
                log.info("database kept in memory: %d MB in %.1f s", self.mapped >> 20, seconds)
            self.warm.set()
            while not self._stop.wait(self._recheck_s):
                self._extend()
        except OSError as error:
            log.warning("database not kept in memory: %s", error)
        finally:
            self.warm.set()

    def _extend(self) -> bool:
        """Keep what has been added since the last time; False when there was nothing to do."""
        assert self._fd is not None
        size = os.fstat(self._fd).st_size
        if size - self.mapped < GROWTH and (self.mapped or size < mmap.PAGESIZE):
            return False
        import psutil  # here, in the warmer's thread: the commands that open the database never need it

        if size - self.mapped > psutil.virtual_memory().available * SHARE_OF_AVAILABLE:
            log.info("database not kept in memory: it is larger than half of the free memory")
            return False
        start = self.mapped - self.mapped % mmap.PAGESIZE
        if not self._read(start, size):
            return False
        mapping = mmap.mmap(self._fd, size, access=mmap.ACCESS_READ)
        self._maps.append(mapping)  # never closed before close(): it holds a descriptor of the file
        self._populate(mapping, start, size)
        self.mapped = size
        return True

    def _read(self, start: int, end: int) -> bool:
        """Bring the pages into the page cache with plain reads (the GIL is released while they wait)."""
        assert self._fd is not None
        for offset in range(start, end, CHUNK):
            if self._stop.is_set():
                return False
            os.pread(self._fd, CHUNK, offset)
        return True

    def _populate(self, mapping: mmap.mmap, start: int, end: int) -> None:
        for offset in range(start, end, CHUNK):
            length = min(CHUNK, end - offset)
            try:
                mapping.madvise(MADV_POPULATE_READ, offset, length)
            except OSError:  # an older kernel: one byte a page does the same
                for page in range(offset, offset + length, mmap.PAGESIZE):
                    mapping[page]
