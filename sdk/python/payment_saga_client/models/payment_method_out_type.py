from enum import StrEnum


class PaymentMethodOutType(StrEnum):
    CARD = "card"
    PAYPAL = "paypal"

    def __str__(self) -> str:
        return str(self.value)
