"""Transport layer: a serial port as an asyncio byte link. The only module that imports pyserial.

Why a layer of its own: everything above it (framing, AT commands, the line) is tested without a serial port,
and the one place that knows pyserial's quirks is here: its open errors come as ``SerialException`` with an
errno, an unplugged USB modem shows up as a read error (``connection_lost`` with an exception), and closing a
transport twice calls ``connection_lost`` twice. ``open_serial`` turns the first into ``DeviceUnavailable``
with a message an installer can act on; ``SerialLink.close`` guards the last.
"""

from __future__ import annotations

import asyncio
import errno
from typing import Protocol

import serial
import serial_asyncio_fast

__all__ = ["DeviceUnavailable", "Receiver", "SerialLink", "open_serial"]


class DeviceUnavailable(Exception):
    """The serial device cannot be opened (missing, no permission, in use); the message says which."""


class Receiver(Protocol):
    """What reads a link: bytes as they come, then one ``connection_lost`` (None after our own close)."""

    def data_received(self, data: bytes) -> None: ...

    def connection_lost(self, error: Exception | None) -> None: ...


class SerialLink:
    """An open serial port: non-blocking writes, and ``close`` that is safe to call more than once."""

    def __init__(self, transport: asyncio.Transport, device: str) -> None:
        self._transport = transport
        self.device = device

    @property
    def closing(self) -> bool:
        return self._transport.is_closing()

    def write(self, data: bytes) -> None:
        """Queue ``data``; writes after a close are dropped (the receiver has heard ``connection_lost``)."""
        self._transport.write(data)

    def close(self) -> None:
        """Close now, without flushing: a vanished device would block a flush (``tcdrain``) forever."""
        if not self._transport.is_closing():
            self._transport.abort()


class _Adapter(asyncio.Protocol):
    """pyserial-asyncio's protocol interface -> a ``Receiver``; describes the error that ended the link."""

    def __init__(self, receiver: Receiver) -> None:
        self._receiver = receiver

    def data_received(self, data: bytes) -> None:
        self._receiver.data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        error = None if exc is None else ConnectionError(f"device disconnected ({_reason(exc)})")
        self._receiver.connection_lost(error)


async def open_serial(device: str, baud: int, receiver: Receiver) -> SerialLink:
    """Open ``device`` at ``baud`` 8N1, locked against other programs; bytes go to ``receiver``.

    Raises ``DeviceUnavailable``. The exclusive lock matters: two programs reading one modem (the daemon and
    ``ctid line test``) would each get half of every caller-ID line.
    """
    loop = asyncio.get_running_loop()
    try:
        transport, _ = await serial_asyncio_fast.create_serial_connection(
            loop, lambda: _Adapter(receiver), device, baudrate=baud, exclusive=True
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise DeviceUnavailable(_open_error(device, exc)) from None
    return SerialLink(transport, device)


def _open_error(device: str, exc: Exception) -> str:
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return f"{device} not found (is the modem plugged in?)"
    if code in (errno.EACCES, errno.EPERM):
        return f"no permission to open {device} (add the ctid user to the 'dialout' group)"
    if code in (errno.EAGAIN, errno.EBUSY):
        return f"{device} is in use by another program (a running ctid, or 'ctid line test'?)"
    return f"cannot open {device}: {_reason(exc)}"


def _reason(exc: BaseException) -> str:
    """pyserial's messages repeat the errno and the port; keep the readable tail."""
    text = str(exc)
    if "returned no data" in text:
        return "no data on a readable port: unplugged?"
    return text.rsplit("] ", 1)[-1] or type(exc).__name__
