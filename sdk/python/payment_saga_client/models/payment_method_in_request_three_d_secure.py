from enum import StrEnum


class PaymentMethodInRequestThreeDSecure(StrEnum):
    ANY = "any"
    AUTOMATIC = "automatic"

    def __str__(self) -> str:
        return str(self.value)
