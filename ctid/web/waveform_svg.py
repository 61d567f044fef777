"""A waveform as an SVG picture: one vertical bar per bucket of peaks, mirrored about the middle.

Scaled to the loudest peak, so a quiet line still shows where people spoke. Drawn with presentation
attributes only (the site's CSP allows no inline styles), stretched to whatever width the page gives it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ctid.recording.waveform import Peaks

HEIGHT = 100
MIDDLE = HEIGHT / 2
MIN_BAR = 0.5  # silence still draws a hairline, so the picture shows the call's whole length
COLOUR = "#2f6fab"


def waveform_svg(peaks: Peaks) -> str:
    width = max(1, len(peaks.values))
    scale = (MIDDLE - 1) / peaks.loudest if peaks.loudest > 0 else 0.0
    bars = "".join(
        f"M{x + 0.5:g} {MIDDLE - h:.1f}V{MIDDLE + h:.1f}"
        for x, h in ((x, max(MIN_BAR, value * scale)) for x, value in enumerate(peaks.values))
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {HEIGHT}" '
        f'preserveAspectRatio="none" width="{width}" height="{HEIGHT}" '
        f'data-duration="{peaks.duration_s:.3f}">'
        f'<path d="{bars}" stroke="{COLOUR}" stroke-width="0.8" fill="none"/></svg>'
    )
