from enum import StrEnum


class TimelineEntryKind(StrEnum):
    GATEWAY_ATTEMPT = "gateway_attempt"
    STATE_CHANGE = "state_change"

    def __str__(self) -> str:
        return str(self.value)
