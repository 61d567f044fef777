"""Browsers for the web tests: a test client with its own cookies that logs in and posts forms with the
CSRF token of the last page it saw. The fixtures that build them are in conftest.py."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from tests.support.site import PASSWORD

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A test client with its own cookie jar that remembers the CSRF token of the last page it saw."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client
        self.token = ""

    async def get(self, path: str, **kwargs: Any) -> ClientResponse:
        kwargs.setdefault("allow_redirects", False)
        response = await self.client.get(path, **kwargs)
        if response.content_type == "text/html" and (found := CSRF_INPUT.search(await response.text())):
            self.token = html.unescape(found.group(1))
        return response

    async def post(
        self, path: str, data: Mapping[str, str] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> ClientResponse:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.token or await self._fresh_token())
        kwargs.setdefault("allow_redirects", False)
        return await self.client.post(path, data=form, **kwargs)

    async def _fresh_token(self) -> str:
        await self.get("/login")
        if not self.token:
            await self.get("/account/password")
        return self.token

    async def login(self, username: str, password: str = PASSWORD, next_path: str = "/") -> ClientResponse:
        await self.get(f"/login?next={next_path}")
        response = await self.post("/login", {"username": username, "password": password, "next": next_path})
        if response.status == 303:
            await self.get("/account/password")
        return response

    def plant(self, name: str, value: str) -> None:
        """Put a cookie in this browser's jar as if the server had set it (to replay or forge one)."""
        self.client.session.cookie_jar.update_cookies({name: value}, response_url=self.client.make_url("/"))

    def cookie(self, name: str) -> str | None:
        for cookie in self.client.session.cookie_jar:
            if cookie.key == name:
                return cookie.value
        return None


BrowserFactory = Callable[[], Awaitable[Browser]]
"""The ``new_browser`` fixture: another browser on the same server, with cookies of its own."""


Api = Any
"""An async (method, path, body) -> (status, json) callable: a user's API client by token."""


def client_for(anon: Browser, secret: str) -> Api:
    async def call(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {secret}"}
        response = await anon.client.request(method, path, json=body, headers=headers)
        return response.status, await response.json()

    return call
