// @ts-check
/**
 * A typed fetch client for the payment-saga API (types generated into schema.d.ts from
 * docs/openapi.json), with the retry rule every order service needs: a write that timed out or
 * was answered 409, 429 or 5xx is sent again with the same Idempotency-Key.
 */
import createClient from "openapi-fetch";

/** @typedef {import("./schema.d.ts").paths} paths */
/** @typedef {import("./schema.d.ts").components["schemas"]} schemas */
/** @typedef {schemas["PaymentOut"]} Payment */
/** @typedef {schemas["RefundOut"]} Refund */
/** @typedef {schemas["ErrorOut"]} ApiError */

const RETRIED = new Set([409, 429, 500, 502, 503, 504]);

/**
 * @param {string} baseUrl
 * @param {string} apiKey
 * @returns {import("openapi-fetch").Client<paths>}
 */
export function paymentsClient(baseUrl, apiKey) {
  return createClient({ baseUrl, headers: { Authorization: `Bearer ${apiKey}` } });
}

/**
 * Send `call` until it is answered for good: on a network error, 409, 429 or 5xx it is sent
 * again, unchanged (the caller's Idempotency-Key included), with exponential backoff.
 * @template T
 * @param {() => Promise<{ response: Response } & T>} call
 * @param {number} [attempts]
 * @returns {Promise<{ response: Response } & T>}
 */
export async function withRetries(call, attempts = 6) {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await call();
      if (!RETRIED.has(result.response.status) || attempt >= attempts) return result;
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    await new Promise((done) => setTimeout(done, Math.min(5000, 200 * 2 ** attempt)));
  }
}
