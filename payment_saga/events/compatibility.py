"""Would a change to an event's JSON Schema break a consumer written against the published one?

Breaking: a property removed, its type changed, a property newly required, an enum value
removed. Adding optional properties, enum values or event types is not. The `.proto` files
have `buf breaking` for the same question (tests/unit/test_event_compatibility.py).
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def breaking_changes(published: Schema, proposed: Schema) -> list[str]:
    """Each way `proposed` breaks consumers of `published` (empty: compatible)."""
    problems = _compare("event", published, proposed)
    for name, old in published.get("$defs", {}).items():
        new = proposed.get("$defs", {}).get(name)
        if new is None:
            problems.append(f"{name}: definition removed")
            continue
        problems += _compare(name, old, new)
    return problems


def _compare(where: str, old: Schema, new: Schema) -> list[str]:
    problems = []
    if "enum" in old:
        kept: list[Any] = new["enum"] if "enum" in new else old["enum"]
        removed = set(old["enum"]) - set(kept)
        problems += [f"{where}: enum value {value!r} removed" for value in sorted(removed)]
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for prop, spec in old_props.items():
        if prop not in new_props:
            problems.append(f"{where}.{prop}: removed")
        elif _shape(spec) != _shape(new_props[prop]):
            problems.append(f"{where}.{prop}: type {_shape(spec)} became {_shape(new_props[prop])}")
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [
        f"{where}.{prop}: now required" for prop in sorted(newly_required) if prop in old_props
    ] + [f"{where}.{prop}: new and required" for prop in sorted(newly_required - set(old_props))]
    return problems


def _shape(spec: Schema | bool) -> str:
    """A property's type as a comparable string: its type, reference, const or alternatives."""
    if isinstance(spec, bool):  # `true` (anything) or `false` (nothing), e.g. extra keys
        return str(spec).lower()
    if "anyOf" in spec:
        return " | ".join(sorted(_shape(option) for option in spec["anyOf"]))
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "const" in spec:
        return f"const {spec['const']!r}"
    kind = str(spec.get("type", "any"))
    if kind == "object" and "additionalProperties" in spec:
        return f"map of {_shape(spec['additionalProperties'])}"
    if kind == "array":
        return f"array of {_shape(spec.get('items', {}))}"
    return kind
