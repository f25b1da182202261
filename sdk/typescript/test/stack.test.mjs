// Against the running stack: API_URL, API_KEY, and the simulator's test cards APPROVED_CARD and
// DECLINED_CARD (tests/e2e/test_typescript_client.py sets them from the simulator's catalogue).
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { paymentsClient, withRetries } from "../src/client.js";

const client = paymentsClient(process.env.API_URL ?? "", process.env.API_KEY ?? "");
const card = (number) => ({ number, exp_month: 12, exp_year: 2030, cvc: "123" });

function pay(number) {
  const key = randomUUID();
  return withRetries(() =>
    client.POST("/v1/payments", {
      params: { header: { "Idempotency-Key": key, prefer: "wait=10" } },
      body: {
        order_id: `ord_${key.slice(0, 8)}`,
        amount: 2500,
        currency: "USD",
        payment_method: { type: "card", card: card(number) },
      },
    }),
  );
}

test("create: an approved card is captured", async () => {
  const { data, response } = await pay(process.env.APPROVED_CARD ?? "");
  assert.equal(response.status, 201);
  assert.equal(data?.status, "captured");
  assert.equal(data?.amount_captured, 2500);
});

test("decline: a card_error with the failed payment", async () => {
  const { error, response } = await pay(process.env.DECLINED_CARD ?? "");
  assert.equal(response.status, 402);
  assert.equal(error?.error.type, "card_error");
  assert.equal(error?.error.decline_code, "generic_decline");
});

test("refund: part of a captured payment", async () => {
  const { data: payment } = await pay(process.env.APPROVED_CARD ?? "");
  assert.ok(payment);
  const key = randomUUID();
  const { data, response } = await withRetries(() =>
    client.POST("/v1/payments/{payment_id}/refunds", {
      params: { path: { payment_id: payment.id }, header: { "Idempotency-Key": key } },
      body: { amount: 700 },
    }),
  );
  assert.equal(response.status, 201);
  assert.equal(data?.status, "succeeded");
  assert.equal(data?.amount, 700);
});
