"""Customer files in the CRM API: check an upload (the dry run), import it, export the branch's customers.

Uploads are ``multipart/form-data`` read as a stream up to ``MAX_UPLOAD_BYTES`` (the app's 2 MB request
limit is for forms; a 100,000-row sheet is 5-15 MB). A browser (session cookie) sends its CSRF token in the
``X-CSRF-Token`` header: a token in the form would make the CSRF check read the whole body first, within
the 2 MB limit. Programs with a Bearer token need neither.

A check (and an import's check before it writes) stops when its client goes away: the work is seconds of
CPU in a thread, worth nothing once nobody waits for the answer (``ctid.web.disconnect``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiohttp import BodyPartReader, web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, ValidationError
from ctid.crm.import_models import Check, Format, ImportRejected, Upload
from ctid.crm.imports.errors import ImportCancelled
from ctid.crm.imports.planning import MergeChoice
from ctid.web import forms
from ctid.web.auth import actor, current, requires
from ctid.web.csrf import HEADER as CSRF_HEADER
from ctid.web.disconnect import cancelled_when_gone
from ctid.web.feature import Feature
from ctid.web.json import decode
from ctid.web.keys import SERVICES
from ctid.web.render import _

log = logging.getLogger(__name__)
routes = web.RouteTableDef()
FEATURE = Feature("crm_imports", routes)

E = TypeVar("E", Format, MergeChoice)
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_FIELD_BYTES = 64 * 1024  # mapping, merge, branch_id
MAX_LISTED = 1000  # duplicates listed in a report (every error is listed)
_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@routes.post("/api/v1/imports/check")
@requires(Permission.CRM_IMPORT)
async def check_import(request: web.Request) -> web.Response:
    upload, merge = await _read_upload(request)
    imports = request.app[SERVICES].records.imports
    try:
        async with cancelled_when_gone(request) as gone:
            check = await imports.dry_run(current(request).user, upload, merge, gone)
    except ImportCancelled:
        return _nobody_listens()
    return web.json_response(report_json(request, check))


@routes.post("/api/v1/imports")
@requires(Permission.CRM_IMPORT)
async def run_import(request: web.Request) -> web.Response:
    upload, merge = await _read_upload(request)
    imports = request.app[SERVICES].records.imports
    try:
        async with cancelled_when_gone(request) as gone:
            result = await imports.apply(actor(request), current(request).user, upload, merge, gone)
    except ImportCancelled:
        return _nobody_listens()
    except ImportRejected as rejected:
        body = {
            **report_json(request, rejected.check),
            "message": _(request, rejected.message, **rejected.params),
        }
        return web.json_response(body, status=422)
    return web.json_response({name: getattr(result, name) for name in result.__dataclass_fields__})


@routes.get("/api/v1/customers/export")
@requires(Permission.CRM_IMPORT)
async def export_customers(request: web.Request) -> web.Response:
    query = request.query
    format = _choice(query.get("format", "xlsx"), Format, "format")
    language = query.get("lang", "zh")
    if language not in ("zh", "en"):
        raise ValidationError("lang", N_("The language must be zh or en."))
    branch_id = forms.integer(query, "branch_id", 1, forms.MAX_ID) if query.get("branch_id") else None
    exports = request.app[SERVICES].records.exports
    data = await exports.export(current(request).user, branch_id, format, language)
    stamp = datetime.now(ZoneInfo(request.app[SERVICES].config.site.timezone)).strftime("%Y%m%d-%H%M")
    name = f"customers-{stamp}.{format.value}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return web.Response(body=data, content_type=_TYPES[format].split(";")[0], headers=headers, charset=None)


def _nobody_listens() -> web.Response:
    """The answer to a check stopped because its client went away (the importer logged what it stopped)."""
    return web.Response(status=499, text="client closed the request")


def report_json(request: web.Request, check: Check) -> dict[str, Any]:
    """The dry run as the import page shows it; reasons in the request's language."""
    report, plan = check.report, check.plan
    duplicates: list[dict[str, Any]] = []
    for row in report.rows:
        for duplicate in row.duplicates:
            duplicates.append(
                {"row": row.number, "key": duplicate.key.value, "value": duplicate.value, "source": "file"}
                | {"same_as_row": duplicate.row, "customer_id": None, "vehicle_id": None}
            )
        for match in row.matches:
            duplicates.append(
                {"row": row.number, "key": match.key.value, "value": match.value, "source": "crm"}
                | {"same_as_row": None, "customer_id": match.customer_id, "vehicle_id": match.vehicle_id}
            )
    return {
        "format": check.format,
        "branch_id": check.branch_id,
        "rows": report.total_rows,
        "ok_rows": len(report.rows),
        "bad_rows": check.bad_rows,
        "errors": [
            {
                "row": error.row,
                "column": error.column,
                "field": error.field,
                "value": error.value,
                "reason": _(request, error.reason, **dict(error.params)),
            }
            for error in plan.errors
        ],
        "duplicates": duplicates[:MAX_LISTED],
        "duplicates_total": len(duplicates),
        "mapping": {column.header: column.field for column in report.mapping.columns},
        "ignored": list(report.mapping.ignored),
        "merge": plan.choice.value,
        "plan": {"create": len(plan.create), "update": len(plan.update), "skip": len(plan.skipped)},
    }


async def _read_upload(request: web.Request) -> tuple[Upload, MergeChoice]:
    fields = await _multipart(request)
    data = fields.get("file")
    if not isinstance(data, tuple):
        raise ValidationError("file", N_("Choose a CSV or Excel file to import."))
    filename, content = data
    mapping = _mapping(_text(fields, "mapping"))
    merge = _choice(_text(fields, "merge") or MergeChoice.SKIP.value, MergeChoice, "merge")
    branch = _text(fields, "branch_id")
    branch_id = forms.integer({"branch_id": branch}, "branch_id", 1, forms.MAX_ID) if branch else None
    return Upload(content, filename, mapping, branch_id), merge


async def _multipart(request: web.Request) -> dict[str, str | tuple[str, bytes]]:
    """The form's fields: the file as (name, bytes), the others as text."""
    if request.content_type != "multipart/form-data":
        raise ValidationError("file", N_("Send the file as multipart/form-data."))
    who = current(request)
    if not who.via_token and not request.headers.get(CSRF_HEADER):
        return await _posted(request)  # the CSRF check read the body already (within the app's limit)
    fields: dict[str, str | tuple[str, bytes]] = {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or not part.name:
                continue
            if part.name == "file":
                fields["file"] = (part.filename or "", await _limited(part, MAX_UPLOAD_BYTES))
            else:
                fields[part.name] = (await _limited(part, MAX_FIELD_BYTES)).decode("utf-8", "replace")
        return fields
    except (ValueError, AssertionError, RuntimeError) as error:  # aiohttp's for a malformed body
        raise ValidationError(
            "file", N_("The upload is not a valid form: %(reason)s"), reason=str(error)
        ) from None
    except (ConnectionError, asyncio.CancelledError) as error:
        # The client went away part-way: nobody reads the answer, and it is no error of ours (was a
        # traceback in the log). Cancelled: aiohttp with handler_cancellation.
        log.info("%s: the upload stopped part-way: its client went away", request.path)
        if isinstance(error, asyncio.CancelledError):
            raise
        raise ValidationError("file", N_("The upload stopped before the end of the file.")) from None


async def _posted(request: web.Request) -> dict[str, str | tuple[str, bytes]]:
    fields: dict[str, str | tuple[str, bytes]] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, str):
            fields[name] = value
        elif isinstance(value, web.FileField) and name == "file":
            fields[name] = (value.filename, value.file.read())
    return fields


async def _limited(part: BodyPartReader, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := await part.read_chunk(1 << 16):
        size += len(chunk)
        if size > limit:
            raise _too_large(part.name or "file", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(name: str, limit: int) -> ValidationError:
    if name == "file":
        return ValidationError(name, N_("The file is larger than %(count)d MB."), count=limit // 2**20)
    # mapping, merge, branch_id: their limit in KB ("larger than 0 MB" said nothing)
    return ValidationError(name, N_("%(what)s is larger than %(count)d KB."), what=name, count=limit // 1024)


def _text(fields: dict[str, str | tuple[str, bytes]], name: str) -> str:
    value = fields.get(name, "")
    return value if isinstance(value, str) else value[1].decode("utf-8", "replace")


def _mapping(text: str) -> dict[str, str | None]:
    if not text.strip():
        return {}
    try:
        value = decode(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
    ):
        raise ValidationError("mapping", N_("The mapping must be a JSON object of header to field or null."))
    return value


def _choice(value: str, enum: type[E], field: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationError(
            field, N_("Not one of the allowed values: %(allowed)s."), allowed=allowed
        ) from None
