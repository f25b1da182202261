from __future__ import annotations

from collections.abc import Mapping
from typing import (
    TYPE_CHECKING,
    Any,
    Literal,
    Self,
    TypeVar,
    cast,
)

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.redirect_to_url import RedirectToUrl


T = TypeVar("T", bound="NextAction")


@_attrs_define
class NextAction:
    """What the customer must do while the payment is `requires_action` (docs/api.md,
    "Customer actions").

        Attributes:
            expires_at (None | str):
            redirect_to_url (RedirectToUrl):
            type_ (Literal['redirect_to_url']):
    """

    expires_at: None | str
    redirect_to_url: RedirectToUrl
    type_: Literal["redirect_to_url"]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at: None | str
        expires_at = self.expires_at

        redirect_to_url = self.redirect_to_url.to_dict()

        type_ = self.type_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expires_at": expires_at,
                "redirect_to_url": redirect_to_url,
                "type": type_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.redirect_to_url import RedirectToUrl

        d = dict(src_dict)

        def _parse_expires_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        expires_at = _parse_expires_at(d.pop("expires_at"))

        redirect_to_url = RedirectToUrl.from_dict(d.pop("redirect_to_url"))

        type_ = cast(Literal["redirect_to_url"], d.pop("type"))
        if type_ != "redirect_to_url":
            raise ValueError(f"type must match const 'redirect_to_url', got '{type_}'")

        next_action = cls(
            expires_at=expires_at,
            redirect_to_url=redirect_to_url,
            type_=type_,
        )

        next_action.additional_properties = d
        return next_action

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
