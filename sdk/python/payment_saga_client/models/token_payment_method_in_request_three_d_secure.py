from enum import StrEnum


class TokenPaymentMethodInRequestThreeDSecure(StrEnum):
    ANY = "any"
    AUTOMATIC = "automatic"

    def __str__(self) -> str:
        return str(self.value)
