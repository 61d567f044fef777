"""A dial by hand from the console against the do-not-call list and the customers' opt-outs (issue 18):
refused in words saying why, dialled anyway by a supervisor who says so (audited); the list kept through
``/api/v1/dnc`` by supervisors, read by everyone who dials."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from ctid.accounts.models import Role
from ctid.audit.models import AuditFilter
from ctid.crm.tables import customer_opt_outs
from tests.screenpop.support import KNOWN, connect, known_customer, operator
from tests.support.site import Site

E164 = "+86" + KNOWN


async def test_the_list_refuses_a_dial_and_a_supervisor_may_override(site: Site, server: Any) -> None:
    await operator(site, "olga", ["desk"])
    await operator(site, "sam", ["desk"], role=Role.SUPERVISOR)
    olga, sam = await connect(server, "olga"), await connect(server, "sam")
    status, body = await olga.api("POST", "/api/v1/dnc", {"number": KNOWN, "reason": "投诉要求"})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await sam.api("POST", "/api/v1/dnc", {"number": "138 0013 8000", "reason": "投诉要求"})
    assert status == 201 and (body["number"], body["reason"]) == (E164, "投诉要求")
    status, body = await sam.api("POST", "/api/v1/dnc", {"number": KNOWN})
    assert (status, body["error"]["code"]) == (409, "conflict")
    status, body = await sam.api("POST", "/api/v1/dnc", {"number": "call me"})
    assert (status, body["error"]["field"]) == (422, "number")
    status, listed = await olga.api("GET", "/api/v1/dnc")
    assert status == 200 and [e["number"] for e in listed["items"]] == [E164]

    status, body = await olga.api("POST", "/api/v1/lines/desk/dial", {"number": KNOWN})
    assert (status, body["error"]["code"]) == (409, "conflict")
    assert "投诉要求" in body["error"]["message"]
    status, body = await olga.api("POST", "/api/v1/lines/desk/dial", {"number": KNOWN, "override": True})
    assert status == 409, "an operator cannot override"
    status, body = await sam.api("POST", "/api/v1/lines/desk/dial", {"number": KNOWN, "override": True})
    assert status == 202, body
    audit = (await site.services.audit.search(AuditFilter(action="call.override"))).items
    assert len(audit) == 1 and audit[0].after is not None and "投诉要求" in str(audit[0].after["refused"])

    status, _ = await sam.api("DELETE", f"/api/v1/dnc/{E164}")
    assert status == 200
    status, body = await sam.api("DELETE", f"/api/v1/dnc/{E164}")
    assert status == 404
    await olga.close()
    await sam.close()


async def test_a_customers_opt_out_refuses_a_call_about_it(site: Site, server: Any) -> None:
    customer = await known_customer(site)
    async with site.services.db.begin() as conn:
        await conn.execute(
            insert(customer_opt_outs).values(
                customer_id=customer, contact_type="insurance", created_at=datetime.now(UTC)
            )
        )
    await operator(site, "olga", ["desk"])
    olga = await connect(server, "olga")
    status, body = await olga.api("POST", "/api/v1/lines/desk/dial", {"number": KNOWN, "about": "insurance"})
    assert (status, body["error"]["code"]) == (409, "conflict")
    assert "张伟" in body["error"]["message"]
    status, body = await olga.api("POST", "/api/v1/lines/desk/dial", {"number": KNOWN, "about": "fax"})
    assert (status, body["error"]["field"]) == (422, "about")
    status, body = await olga.api(
        "POST", "/api/v1/lines/desk/dial", {"number": KNOWN, "about": "maintenance"}
    )
    assert status == 202, body
    await olga.close()
