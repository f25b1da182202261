"""Request and response bodies of the v1 API, as the OpenAPI document shows them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from payment_saga.db.views import PaymentOut as PaymentOut  # the API answers with the shared models
from payment_saga.db.views import RefundOut as RefundOut
from payment_saga.domain import limits
from payment_saga.domain.cards import brand_of, cvc_length, is_expired, luhn_valid
from payment_saga.domain.money import MAX_AMOUNT, is_currency
from payment_saga.domain.states import CaptureMethod

# Integers exactly: beyond this a JSON number's float loses digits.
EXACT_FLOAT_LIMIT = 2**53


def whole_number(value: object) -> object:
    """A JSON number with nothing after the point (`2500.0`, `2.5e3`) is the integer it
    names, as JSON Schema's `integer` counts it; `25.5`, a string or a boolean stays refused."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= EXACT_FLOAT_LIMIT:
        return int(value)
    return value


WholeNumber = BeforeValidator(whole_number)
# The validator after the constraints, so it runs first and the schema keeps its bounds.
Amount = Annotated[int, Field(strict=True, gt=0, le=MAX_AMOUNT, examples=[2500]), WholeNumber]
OrderId = Annotated[str, Field(min_length=1, max_length=limits.ORDER_ID_MAX)]
CustomerId = Annotated[str, Field(min_length=1, max_length=limits.CUSTOMER_ID_MAX)]


# PostgreSQL text cannot hold NUL: a string with one is refused here, not by the database
# (where it was a 500, or a step failing in the workflow).
NO_NUL = r"^[^\x00]*$"


def has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def no_nul(cls, value: object) -> object:
        if has_nul(value):
            raise PydanticCustomError("invalid_characters", "text may not contain NUL characters")
        return value


class CardIn(Strict):
    # No example number here: card numbers live only in the gateway simulator, tests and docs.
    number: str = Field(
        min_length=12,
        max_length=19,
        description="The card number, digits only; test cards: docs/test-cards.md",
    )
    exp_month: Annotated[int, WholeNumber] = Field(strict=True, ge=1, le=12, examples=[12])
    exp_year: Annotated[int, WholeNumber] = Field(strict=True, ge=2000, le=2100, examples=[2030])
    cvc: str = Field(min_length=3, max_length=4, examples=["123"])
    holder_name: str | None = Field(default=None, max_length=limits.HOLDER_NAME_MAX)

    # Fields validate in order, so each check can read the ones declared before it.
    @field_validator("number")
    @classmethod
    def luhn(cls, number: str) -> str:
        if not luhn_valid(number):
            raise PydanticCustomError("incorrect_number", "the card number is not valid")
        return number

    @field_validator("exp_year")
    @classmethod
    def not_expired(cls, exp_year: int, info: ValidationInfo) -> int:
        exp_month = info.data.get("exp_month")
        if exp_month is not None and is_expired(exp_month, exp_year, datetime.now(UTC).date()):
            raise PydanticCustomError("expired_card", "the card has expired")
        return exp_year

    @field_validator("cvc")
    @classmethod
    def cvc_fits_brand(cls, cvc: str, info: ValidationInfo) -> str:
        expected = cvc_length(brand_of(info.data.get("number") or ""))
        if not cvc.isdigit() or len(cvc) != expected:
            raise PydanticCustomError("invalid_cvc", "the CVC has the wrong length for the card")
        return cvc

    def __repr__(self) -> str:  # a validation traceback must not print the number
        return f"CardIn(last4={self.number[-4:]!r})"


# `any`: ask the card's issuer for 3-D Secure whenever the card can be authenticated (Stripe's
# `request_three_d_secure`), for a merchant that must have it (strong customer authentication):
# only processors that can ask take the payment, and `return_url` is needed. `automatic`: only
# when the issuer asks.
ThreeDSecureRequest = Literal["automatic", "any"]


class PaymentMethodIn(Strict):
    """A card number, tokenized here at the edge (the simulator, and processors' test mode)."""

    type: Literal["card"]
    card: CardIn
    request_three_d_secure: ThreeDSecureRequest = "automatic"


class TokenPaymentMethodIn(Strict):
    """A token the processor issued to the customer's browser, so no card number reaches the
    order service or us (docs/processors.md): a Stripe PaymentMethod id from Stripe Elements,
    or Authorize.Net's Accept.js opaque data as `COMMON.ACCEPT.INAPP.PAYMENT:<dataValue>`."""

    type: Literal["token"]
    token: str = Field(
        min_length=3,
        max_length=limits.CARD_TOKEN_MAX,
        # Stripe's pm_..., the simulator's tok_..., Authorize.Net's Accept.js opaque data as
        # `<dataDescriptor>:<dataValue>` (base64).
        pattern=r"^[A-Za-z0-9_\-.:+/=]+$",
        examples=["pm_card_visa"],
    )
    request_three_d_secure: ThreeDSecureRequest = "automatic"


class PayPalMethodIn(Strict):
    """PayPal: the payer approves on PayPal's page (`next_action`), so `return_url` is needed."""

    type: Literal["paypal"]


class PaymentCreate(Strict):
    order_id: OrderId = Field(examples=["ord_1001"])
    amount: Amount
    currency: str = Field(min_length=3, max_length=3, examples=["USD"])
    capture_method: CaptureMethod = CaptureMethod.AUTOMATIC
    payment_method: Annotated[
        PaymentMethodIn | TokenPaymentMethodIn | PayPalMethodIn, Field(discriminator="type")
    ]
    customer_id: CustomerId | None = None
    description: str | None = Field(default=None, max_length=limits.DESCRIPTION_MAX)
    metadata: dict[str, str] = Field(default_factory=dict)
    # Where the customer's browser goes once a customer action (3-D Secure) is done, with
    # `payment_id` and `redirect_status` added; without it, a card that asks for the customer
    # is declined `authentication_required` (docs/api.md, "Customer actions").
    return_url: str | None = Field(
        default=None,
        max_length=limits.URL_MAX,
        examples=["https://shop.example/checkout/complete"],
    )

    @field_validator("return_url")
    @classmethod
    def web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise PydanticCustomError("invalid_url", "an absolute http(s) URL")
        return value

    @field_validator("currency")
    @classmethod
    def known_currency(cls, value: str) -> str:
        if not is_currency(value.upper()):
            raise PydanticCustomError("invalid_currency", "not an ISO 4217 currency code")
        return value.upper()

    @field_validator("metadata")
    @classmethod
    def small_metadata(cls, value: dict[str, str]) -> dict[str, str]:
        too_long = any(
            len(k) > limits.METADATA_KEY_MAX or len(v) > limits.METADATA_VALUE_MAX
            for k, v in value.items()
        )
        if len(value) > limits.METADATA_PAIRS_MAX or too_long:
            raise PydanticCustomError(
                "invalid_metadata",
                f"at most {limits.METADATA_PAIRS_MAX} pairs; keys up to {limits.METADATA_KEY_MAX},"
                f" values up to {limits.METADATA_VALUE_MAX} characters",
            )
        return value

    @property
    def requests_three_d_secure(self) -> bool:
        method = self.payment_method
        return method.type != "paypal" and method.request_three_d_secure == "any"

    def identity(self, card_fingerprint: str) -> dict[str, Any]:
        """The request as the Idempotency-Key compares it: the card by its keyed fingerprint,
        the CVC left out, so no form of either is stored (PCI DSS 3.3.1); a processor's token
        as it is (it is no card data)."""
        identity = self.model_dump(exclude={"payment_method"})
        # A field left at its default is left out: a request stored before the field existed
        # is still the same request.
        method = self.payment_method.model_dump(exclude_defaults=True, exclude={"card"})
        identity["payment_method"] = method
        if isinstance(self.payment_method, PaymentMethodIn):
            card = self.payment_method.card
            method["card"] = {
                "fingerprint": card_fingerprint,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
                "holder_name": card.holder_name,
            }
        return identity


class CardMethod(BaseModel):
    # The brands some processor in use takes.
    brands: list[str]
    # Whether a card may be asked for 3-D Secure here: then send `return_url` with each
    # payment (docs/api.md, "Customer actions").
    three_d_secure: bool
    # The processors cards go to (GATEWAY_KIND and GATEWAY_ROUTES).
    processors: list[str]


class PaymentMethodInfo(BaseModel):
    type: Literal["card", "paypal"]
    # Whether this deployment takes it now; a disabled one is refused at the create.
    enabled: bool
    card: CardMethod | None = None


class PaymentMethodList(BaseModel):
    object: Literal["list"]
    data: list[PaymentMethodInfo]


class CaptureBody(Strict):
    amount: Amount | None = None


class CancelBody(Strict):
    reason: str | None = Field(default=None, max_length=limits.REASON_MAX)


class RefundCreate(Strict):
    amount: Amount | None = None
    reason: Literal["requested_by_customer", "duplicate", "fraudulent", "other"] | None = None


class PaymentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[PaymentOut]
    has_more: bool


class RefundList(BaseModel):
    object: Literal["list"] = "list"
    data: list[RefundOut]
    has_more: bool = False


class TimelineEntry(BaseModel):
    at: str
    kind: Literal["state_change", "gateway_attempt"]
    detail: dict[str, Any]


class Timeline(BaseModel):
    object: Literal["list"] = "list"
    data: list[TimelineEntry]


class ErrorDetail(BaseModel):
    type: Literal[
        "invalid_request_error", "card_error", "idempotency_error", "authentication_error",
        "permission_error", "rate_limit_error", "api_error",
    ]  # fmt: skip
    code: str = Field(examples=["amount_exceeds_refundable"])
    message: str
    param: str | None = Field(default=None, examples=["amount"])
    decline_code: str | None = None
    payment: PaymentOut | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail
    request_id: str | None = Field(default=None, examples=["req_5b8e0c6f1d2a4e3b"])
