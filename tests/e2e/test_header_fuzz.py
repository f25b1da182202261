"""Every header the API reads, sent non-ASCII, empty, huge and repeated, to every route that
reads it: a 4xx in the documented shape (or the route's normal answer), never a 5xx (#27
item 4: a non-ASCII `Authorization` on `/metrics` was a 500, as `Prefer: wait=²` and
non-ASCII webhook signatures would have been)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import new_key, payment_body

ODD_VALUES: dict[str, bytes] = {
    "utf8": "é²".encode(),
    "latin1": b"\xe9\xff",
    "superscript": "²".encode(),
    "arabic_digit": "٣".encode(),
    "control": b"\x7f",
    "empty": b"",
    "huge": b"9" * 6000,
}
# Each odd value is sent alone and after what the header's parser looks for first.
PREFIXES = {
    "Authorization": b"Bearer ", "Prefer": b"wait=", "Stripe-Signature": b"t=1,v1=",
    "X-ANET-Signature": b"sha512=", "traceparent": b"00-", "Content-Type": b"application/json;",
}  # fmt: skip
HEADERS = [
    "Authorization", "Idempotency-Key", "Prefer", "Stripe-Signature", "X-ANET-Signature",
    "traceparent", "tracestate", "X-Forwarded-For", "Content-Type",
]  # fmt: skip
# (method, path, body): every route family, the processors' webhooks and the operators' ones.
ROUTES = [
    ("POST", "/v1/payments", "payment"),
    ("GET", "/v1/payments", None),
    ("GET", "/v1/payments/pay_none", None),
    ("POST", "/v1/payments/pay_none/capture", "{}"),
    ("POST", "/v1/payments/pay_none/cancel", "{}"),
    ("POST", "/v1/payments/pay_none/refunds", "{}"),
    ("POST", "/v1/webhooks/stripe", "{}"),
    ("POST", "/v1/webhooks/authorizenet", "{}"),
    ("GET", "/metrics", None),
    ("POST", "/codec/decode", '{"payloads": []}'),
    ("GET", "/ready", None),
]


def requests_for(header: str) -> list[tuple[str, list[tuple[bytes, bytes]]]]:
    name = header.encode()
    prefix = PREFIXES.get(header, b"")
    odd = [
        (f"{header}={start.decode()}{kind}", [(name, start + value)])
        for kind, value in ODD_VALUES.items()
        for start in {b"", prefix}
    ]
    return [*odd, (f"{header}=repeated", [(name, b"wait=1"), (name, b"wait=\xb2")])]


@pytest.mark.parametrize("header", HEADERS)
async def test_no_header_value_makes_a_5xx(api: httpx.AsyncClient, header: str) -> None:
    authorization = api.headers["Authorization"].encode()
    failures = []
    for method, path, body in ROUTES:
        content = (
            httpx.Request("POST", "/", json=payment_body()).content
            if body == "payment"
            else (body or "").encode()
        )
        for label, odd in requests_for(header):
            headers = [(b"Authorization", authorization), (b"Content-Type", b"application/json")]
            headers = [h for h in headers if h[0].lower() != header.lower().encode()]
            headers += odd
            if header != "Idempotency-Key":
                headers.append((b"Idempotency-Key", new_key()["Idempotency-Key"].encode()))
            request = httpx.Request(
                method, api.base_url.join(path), headers=headers, content=content
            )
            try:
                response = await api.send(request)
            except httpx.LocalProtocolError:
                continue  # httpx itself refuses to send it (a trailing space): nothing to test
            except httpx.TransportError as dropped:  # no answer at all is worse than a 5xx
                failures.append((method, path, label, 0, repr(dropped)))
                continue
            if response.status_code >= 500:
                failures.append((method, path, label, response.status_code, response.text[:120]))
            elif (
                response.status_code >= 400
                and response.headers.get("content-type", "").startswith("application/json")
                and path.startswith("/v1")
            ):
                assert "error" in response.json(), (method, path, label, response.text[:200])
    assert [f[:4] for f in failures] == [], "\n".join(map(str, [f[:4] for f in failures]))


async def test_odd_headers_get_the_documented_answers(api: httpx.AsyncClient) -> None:
    content = httpx.Request("POST", "/", json=payment_body()).content
    base = [(b"Authorization", api.headers["Authorization"].encode()),
            (b"Content-Type", b"application/json")]  # fmt: skip
    key = (b"Idempotency-Key", new_key()["Idempotency-Key"].encode())
    cases = [
        ([key, (b"Prefer", "wait=²".encode())], 400, "invalid_prefer"),
        ([key, (b"Prefer", b"wait=" + b"9" * 5000)], 400, "invalid_prefer"),
        ([key, key], 400, "header_repeated"),
        ([key, (b"Authorization", b"Bearer \xe9")], 400, "header_repeated"),
    ]
    for extra, status, code in cases:
        request = httpx.Request(
            "POST", api.base_url.join("/v1/payments"), headers=base + extra, content=content
        )
        response = await api.send(request)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    metrics = httpx.Request(
        "GET", api.base_url.join("/metrics"), headers=[(b"Authorization", b"Bearer \xe9")]
    )
    assert (await api.send(metrics)).status_code == 404
