from enum import StrEnum


class PaymentMethodInfoType(StrEnum):
    CARD = "card"
    PAYPAL = "paypal"

    def __str__(self) -> str:
        return str(self.value)
