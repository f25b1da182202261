"""The codec server: the Temporal UI (and the CLI) decode payloads through it.

`POST /codec/decode` and `/codec/encode` take `{"payloads": [...]}` in protobuf JSON, with
`Authorization: Bearer <operator token>`. The dev server's UI cannot send headers, so the
launcher gives it an endpoint with the token in the path: `/codec/t/<token>`. CORS admits the
Temporal UI's origin only.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payloads

from api.headers import bearer_token
from payment_saga.codec.encryption import EncryptionCodec
from payment_saga.config import Settings
from payment_saga.processors.notices import same_secret


def _authorized(settings: Settings, presented: str | None) -> bool:
    token = settings.codec.operator_token
    if token is None or presented is None:
        return False
    return same_secret(presented, token.get_secret_value())


def create_codec_app(settings: Settings, codec: EncryptionCodec | None) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[settings.temporal.web_url().rstrip("/")],
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["*"],
        allow_credentials=True,
    )

    async def transform(request: Request, action: str, token: str | None) -> JSONResponse:
        if not _authorized(settings, token):
            return JSONResponse({"error": "an operator token is required"}, status_code=401)
        if action not in ("encode", "decode"):
            return JSONResponse({"error": "unknown action"}, status_code=404)
        payloads = json_format.ParseDict(await request.json(), Payloads()).payloads
        if codec is not None:
            converted = await (codec.encode if action == "encode" else codec.decode)(payloads)
        else:
            converted = list(payloads)
        body: dict[str, Any] = json_format.MessageToDict(Payloads(payloads=converted))
        return JSONResponse({"payloads": body.get("payloads", [])})

    @app.post("/{action}")
    async def with_header(request: Request, action: str) -> JSONResponse:
        token = bearer_token(request.headers.get("authorization"))
        return await transform(request, action, token)

    @app.post("/t/{token}/{action}")
    async def with_path_token(request: Request, token: str, action: str) -> JSONResponse:
        return await transform(request, action, token)

    return app
