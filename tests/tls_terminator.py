"""A TLS terminator for tests: TLS (with ALPN h2, as gRPC clients require) and a client
certificate signed by the given CA, then plain TCP to the upstream.

Debian's stunnel4 (5.68) was the first choice, but it cannot negotiate ALPN, and the
Temporal SDK's gRPC client refuses a TLS server that does not select h2 (H2NotNegotiated)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from pathlib import Path


def server_context(cert: Path, key: Path, client_ca: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.load_verify_locations(client_ca)
    context.verify_mode = ssl.CERT_REQUIRED  # no certificate, no connection
    context.set_alpn_protocols(["h2"])
    return context


class TlsTerminator:
    def __init__(self, upstream: tuple[str, int], context: ssl.SSLContext) -> None:
        self._upstream = upstream
        self._context = context
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        """Listen on a free loopback port; the port."""
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=self._context)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream_r, upstream_w = await asyncio.open_connection(*self._upstream)
        await asyncio.gather(
            _pipe(client_r, upstream_w), _pipe(upstream_r, client_w), return_exceptions=True
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    finally:
        writer.close()
