from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.timeline_entry_kind import TimelineEntryKind

if TYPE_CHECKING:
    from ..models.timeline_entry_detail import TimelineEntryDetail


T = TypeVar("T", bound="TimelineEntry")


@_attrs_define
class TimelineEntry:
    """
    Attributes:
        at (str):
        detail (TimelineEntryDetail):
        kind (TimelineEntryKind):
    """

    at: str
    detail: TimelineEntryDetail
    kind: TimelineEntryKind
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at

        detail = self.detail.to_dict()

        kind = self.kind.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "detail": detail,
                "kind": kind,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.timeline_entry_detail import TimelineEntryDetail

        d = dict(src_dict)
        at = d.pop("at")

        detail = TimelineEntryDetail.from_dict(d.pop("detail"))

        kind = TimelineEntryKind(d.pop("kind"))

        timeline_entry = cls(
            at=at,
            detail=detail,
            kind=kind,
        )

        timeline_entry.additional_properties = d
        return timeline_entry

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
