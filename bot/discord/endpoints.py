"""Discord's REST API and gateway for one client, as its settings give them (a proxy, or a local test server).

discord.py reads both from class attributes that every client in the process shares (`Route.BASE`,
`DiscordWebSocket.DEFAULT_GATEWAY`): setting those would point every client at one place. Instead each URL is
rewritten on its way out of this client: its REST requests and gateway connection (its `HTTPClient`), and the
interaction responses and follow-ups discord.py sends through its webhook adapter, which is per context (the
client's task and the event handlers it starts).
"""

from __future__ import annotations

from typing import Any

from discord.gateway import DiscordWebSocket
from discord.http import HTTPClient, Route
from discord.webhook.async_ import AsyncWebhookAdapter, async_context


class Endpoints:
    def __init__(self, api_base: str, gateway_url: str) -> None:
        self.api_base = api_base.rstrip("/")
        self.gateway_url = gateway_url

    def api(self, url: str) -> str:
        """A URL of Discord's own REST API, moved to this client's."""
        return self.api_base + url[len(Route.BASE) :] if url.startswith(Route.BASE) else url

    def gateway(self, url: str) -> str:
        """Discord's default gateway (with its query), moved to this client's; a resume URL Discord gave is kept."""
        default = str(DiscordWebSocket.DEFAULT_GATEWAY)
        return self.gateway_url + url[len(default) :] if url.startswith(default) else url

    def route(self, http: HTTPClient) -> None:
        """Send this client's REST requests and gateway connection to these endpoints."""
        request, ws_connect = http.request, http.ws_connect

        async def routed_request(route: Route, **kwargs: Any) -> Any:
            route.url = self.api(route.url)
            return await request(route, **kwargs)

        async def routed_ws_connect(url: str, **kwargs: Any) -> Any:
            return await ws_connect(self.gateway(url), **kwargs)

        http.request = routed_request  # type: ignore[method-assign]  # this client's, not the class's
        http.ws_connect = routed_ws_connect  # type: ignore[method-assign]

    def route_interactions(self) -> None:
        """Send the interaction responses and follow-ups of the current context (and of the tasks it starts) here."""
        async_context.set(_RoutedAdapter(self))


class _RoutedAdapter(AsyncWebhookAdapter):
    def __init__(self, endpoints: Endpoints) -> None:
        super().__init__()
        self.endpoints = endpoints

    async def request(self, route: Route, *args: Any, **kwargs: Any) -> Any:
        route.url = self.endpoints.api(route.url)
        return await super().request(route, *args, **kwargs)
