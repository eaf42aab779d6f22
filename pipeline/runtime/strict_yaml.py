"""YAML as the pipeline reads it: like ``yaml.safe_load``, except that a key written twice in one
mapping is an error naming both lines. PyYAML keeps the last one silently, so an alias listed twice
in ``customer_aliases.yml`` or a message key repeated in a catalogue would lose one of its values
without a word.
"""

from __future__ import annotations

import yaml


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping gives the same key twice. ``line``: the 1-based line of the second one."""

    def __init__(self, key, line: int, first_line: int):
        self.key, self.line, self.first_line = key, line, first_line
        super().__init__(None, None, f"key {key!r} on line {line} is already given on line {first_line}")

    def __str__(self) -> str:
        return self.problem


class _StrictLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":    # `<<:` merges; not a key of its own
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in seen:
                        raise DuplicateKeyError(key, line, seen[key])
                    seen[key] = line
                except TypeError:          # an unhashable key: SafeLoader's own error follows
                    continue
        return super().construct_mapping(node, deep=deep)


def safe_load(stream):
    """The YAML document in ``stream`` (text or an open file) as PyYAML's safe loader reads it, refusing
    repeated keys."""
    loader = _StrictLoader(stream)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
