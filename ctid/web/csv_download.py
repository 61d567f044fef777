"""A CSV file to download: UTF-8 with a byte-order mark (Excel on a Chinese Windows reads it as UTF-8
then, not as GBK), never cached. The cells are the caller's, made safe against formulas where they hold
people's text (``ctid.core.text.spreadsheet_safe``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from aiohttp import web


def csv_response(header: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> web.Response:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return web.Response(
        body=text.getvalue().encode("utf-8-sig"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
