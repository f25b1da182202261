"""A day's settlement report spread over containers a processor lists one at a time (Stripe's
payouts, Authorize.Net's batches), each listed a page at a time: one page of the report is one
page of one container, and its cursor `<container>:<position>` says where the next starts
(docs/processors.md, "Settlement")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from payment_saga.processors.port import SettlementItem, SettlementPage

# (container, position) -> the page's items, and the next page's position in that container
# (None: this was its last page).
ReadPage = Callable[[str, str], Awaitable[tuple[list[SettlementItem], str | None]]]


async def page_across(
    containers: list[str], starting_after: str | None, first: str, read: ReadPage
) -> SettlementPage:
    """The report's page at the cursor (None: the first container's `first` position); a
    container whose pages hold nothing of the report is passed over."""
    container, _, position = (starting_after or "").partition(":")
    if container not in containers:
        container, position = (containers[0] if containers else ""), first
    for index in range(containers.index(container) if containers else 0, len(containers)):
        items, following = await read(containers[index], position)
        last = index == len(containers) - 1
        if following is not None:
            return SettlementPage(items, True, cursor=f"{containers[index]}:{following}")
        if items or last:
            after = "" if last else f"{containers[index + 1]}:{first}"
            return SettlementPage(items, not last, cursor=after)
        position = first
    return SettlementPage([], has_more=False)
