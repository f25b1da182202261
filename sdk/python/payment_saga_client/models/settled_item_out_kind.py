from enum import StrEnum


class SettledItemOutKind(StrEnum):
    CAPTURE = "capture"
    REFUND = "refund"

    def __str__(self) -> str:
        return str(self.value)
