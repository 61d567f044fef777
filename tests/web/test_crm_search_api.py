"""``GET /api/v1/search``: the contract the search box is built on, branch isolation, and any query answered
with 200 or 422, never a 500."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.support import Api


async def test_the_answer_is_the_search_box_contract(people: dict[str, Api]) -> None:
    olga = people["olga"]
    form = {"name": "张三丰", "phones": ["138 0013 8000"], "plate": "粤A12345"}
    status, created = await olga("POST", "/api/v1/customers", form)
    assert status == 201, created
    status, body = await olga("GET", "/api/v1/search?q=zsf")
    assert status == 200
    assert body == {
        "items": [
            {
                "id": created["id"],
                "name": "张三丰",
                "kind": "person",
                "phones": ["138 0013 8000"],
                "plates": ["粤A12345"],
                "matched": "pinyin",
            }
        ]
    }
    for q, matched in (("张三丰", "name"), ("0013 8000", "phone"), ("A12", "plate"), ("张", "name")):
        status, body = await olga("GET", f"/api/v1/search?q={q}")
        assert status == 200 and [i["matched"] for i in body["items"]] == [matched], (q, body)
    status, body = await people["erin"]("GET", "/api/v1/search?q=张三丰")
    assert status == 200 and body == {"items": []}
    status, body = await people["boss"]("GET", "/api/v1/search?q=张三丰&limit=1")
    assert status == 200 and len(body["items"]) == 1


async def test_bad_parameters_are_422(people: dict[str, Api]) -> None:
    for query in ("q=a&limit=0", "q=a&limit=51", "q=a&limit=x", "q=" + "a" * 201):
        status, body = await people["olga"]("GET", f"/api/v1/search?{query}")
        assert status == 422 and body["error"]["field"] in ("q", "limit"), (query, body)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=60), limit=st.one_of(st.none(), st.text(max_size=5), st.integers(-3, 80)))
async def test_any_query_is_200_or_422(people: dict[str, Api], q: str, limit: object) -> None:
    params = {"q": q} if limit is None else {"q": q, "limit": str(limit)}
    status, body = await people["olga"]("GET", "/api/v1/search?" + _encode(params))
    assert status in (200, 422), body
    if status == 200:
        assert isinstance(body["items"], list)


def _encode(params: dict[str, str]) -> str:
    return urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in params.items()})
