"""A key given twice in one YAML mapping is an error naming both lines, wherever the pipeline reads YAML."""

import pytest
import yaml

from pipeline.clean import clean
from pipeline.clean.customers import load_overrides
from pipeline.errors import InputError
from pipeline.runtime import strict_yaml


def test_repeated_keys_are_refused_with_both_lines():
    assert strict_yaml.safe_load("a: 1\nb: {x: 1, y: [1, 2]}\n") == {"a": 1, "b": {"x": 1, "y": [1, 2]}}
    assert strict_yaml.safe_load("base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n") == {"base": {"x": 1}, "d": {"x": 1, "y": 2}}
    for text, key, line, first in (("a: 1\nb: 2\na: 3\n", "a", 3, 1),
                                   ("x:\n  - {k: 1, k: 2}\n", "k", 2, 2),          # twice on one line
                                   ("s:\n  - path: a.csv\n    table: sales\n    table: dispatches\n", "table", 4, 3)):
        with pytest.raises(strict_yaml.DuplicateKeyError) as err:
            strict_yaml.safe_load(text)
        assert (err.value.key, err.value.line, err.value.first_line) == (key, line, first)
        assert str(err.value) == f"key {key!r} on line {line} is already given on line {first}"
    with pytest.raises(yaml.constructor.ConstructorError):            # still the safe loader: no objects
        strict_yaml.safe_load("!!python/object/apply:os.system ['echo hi']")


def test_an_alias_given_twice_names_the_file_and_line(tmp_path):
    (tmp_path / "customer_aliases.yml").write_text("aliases:\n  中行杭州: 中國銀行杭州分行\n  工行: C0002\n"
                                                   "  中行杭州: C0009\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_overrides(tmp_path)
    assert err.value.file.endswith("customer_aliases.yml") and err.value.row == 4
    assert "'中行杭州' on line 4 is already given on line 2" in str(err.value)


def test_a_sources_file_with_a_repeated_option_names_the_line(tmp_path):
    (tmp_path / "sales.csv").write_text("Order No,Order Date,Customer,Amount\nS1,2009-01-08,甲,10\n", encoding="utf-8")
    (tmp_path / "sources.yml").write_text("sources:\n  - path: sales.csv\n    table: sales\n"
                                          "    table: dispatches\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        clean(tmp_path, run_date="2026-11-29")
    assert err.value.file.endswith("sources.yml") and err.value.row == 4 and "'table'" in str(err.value)
