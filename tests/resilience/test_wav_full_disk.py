"""A WAV being written when the disk fills up, and the disk freed before it is closed (a real tmpfs).

The caller keeps the write's exception (the recorder reports it later): the writer must still take its
last samples and close, not fail with "BufferError: Existing exports of data" from the failed write's view.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.media import on_small_disk

_CHILD = """
import json, os, sys
from pathlib import Path
from ctid.recording.wav import WavWriter, read_info
disk = Path(sys.argv[1])
writer = WavWriter(disk / "call.wav", 8000, fsync_every_s=None)
writer.write(b"\\1\\0" * 8000)
filler = disk / "filler"
fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
try:
    while True:
        os.write(fd, b"0" * 4096)
except OSError:
    os.close(fd)
kept = None
for _ in range(100):
    try:
        writer.write(b"\\1\\0" * 8000)
    except OSError as error:
        kept = error  # with its traceback, as a Take keeps it
        break
filler.unlink()
writer.write(b"\\2\\0" * 800)
info = writer.close()
on_disk = read_info(disk / "call.wav")
print(json.dumps({"error": kept.strerror if kept else None, "closed": info.data_bytes,
                  "on_disk": on_disk.data_bytes, "size": on_disk.file_bytes}))
"""


def test_a_write_that_failed_on_a_full_disk_leaves_a_writer_that_closes(tmp_path: Path) -> None:
    report = on_small_disk(tmp_path / "disk", "64k", _CHILD, tmp_path / "disk")
    assert report["error"] == "No space left on device"
    assert report["closed"] == report["on_disk"] == report["size"] - 44
    assert report["closed"] >= 16000 + 1600 and report["closed"] % 2 == 0
