"""The line plan resolved from the config's lines and the branches there are: pure, tested directly."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.core.config import AudioLineOptions, ConfigError, LineConfig, ModemLineOptions, parse
from ctid.lineplan.plan import LinePlan, PlannedLine, configured_codes, resolve

BRANCHES = {"main": 1, "east": 2, "west": 3}


def lines(*tables: dict[str, object]) -> tuple[LineConfig, ...]:
    return parse({"lines": list(tables)}, "ctid.toml").lines


def test_each_line_is_planned_with_its_label_branch_policy_and_driver() -> None:
    configs = (
        LineConfig("front", "sim", "前台", record="on demand", record_pause=False),
        LineConfig("east-1", "modem", branch="east", options=ModemLineOptions()),
        LineConfig("tap", "audio", branch="west", record="never", options=AudioLineOptions()),
    )
    plan = resolve(configs, BRANCHES, default_branch=1)
    assert list(plan) == [
        PlannedLine("front", "前台", "sim", 1, "", "on demand", False),
        PlannedLine("east-1", "east-1", "modem", 2, "east", "always", True),
        PlannedLine("tap", "tap", "audio", 3, "west", "never", True),
    ]
    assert [line.can_dial for line in plan] == [True, True, False]  # a tap only listens


def test_a_line_naming_no_branch_is_the_first_branchs() -> None:
    plan = resolve(lines({"name": "desk", "driver": "sim"}), BRANCHES, default_branch=7)
    assert plan.branch_of("desk") == 7


def test_what_the_readers_ask_of_a_plan() -> None:
    configs = lines(
        {"name": "a", "driver": "sim", "branch": "east", "label": "东一"},
        {"name": "b", "driver": "sim"},
        {"name": "c", "driver": "sim", "branch": "east"},
    )
    plan = resolve(configs, BRANCHES, default_branch=1)
    assert plan.lines_in(2) == ["a", "c"] and plan.lines_in(1) == ["b"] and plan.lines_in(3) == []
    assert plan.by_branch() == {2: ("a", "c"), 1: ("b",)}
    assert (plan.label("a"), plan.label("b"), plan.label("gone")) == ("东一", "b", "gone")
    assert plan.get("gone") is None and plan.branch_of("gone") is None and len(plan) == 3
    assert configured_codes(configs) == {"a": "east", "c": "east"}


def test_a_code_that_names_no_branch_is_a_config_error_naming_the_line_and_the_code() -> None:
    south = {"name": "east-desk", "driver": "sim", "branch": "south"}
    configs = lines({"name": "desk", "driver": "sim"}, south)
    with pytest.raises(ConfigError) as refused:
        resolve(configs, {"main": 1, "east": 2}, default_branch=1, source="/etc/ctid.toml")
    assert str(refused.value) == (
        "config error in /etc/ctid.toml: lines[1].branch: line 'east-desk': no branch with code 'south' "
        "(branches: east, main); create the branch first or correct the code"
    )


def test_a_line_named_twice_is_a_config_error() -> None:
    configs = (LineConfig("desk", "sim"), LineConfig("desk", "sim", branch="east"))
    with pytest.raises(ConfigError) as refused:
        resolve(configs, BRANCHES, default_branch=1, source="ctid.toml")
    assert str(refused.value) == "config error in ctid.toml: lines[1].name: duplicate line name 'desk'"


def test_an_empty_plan_knows_no_line() -> None:
    plan = LinePlan()
    assert list(plan) == [] and plan.branch_of("desk") is None and plan.lines_in(1) == []


CODES = st.sampled_from(["", "main", "east", "west"])


@given(st.lists(CODES, max_size=12), st.integers(1, 9))
def test_every_line_is_in_exactly_its_branch_in_config_order(codes: Sequence[str], default: int) -> None:
    configs = tuple(LineConfig(f"line-{i}", "sim", branch=code) for i, code in enumerate(codes))
    plan = resolve(configs, BRANCHES, default)
    for config in configs:
        assert plan.branch_of(config.name) == (BRANCHES[config.branch] if config.branch else default)
    names = [config.name for config in configs]
    in_branches = {branch: plan.lines_in(branch) for branch in {*BRANCHES.values(), default}}
    assert sorted(name for found in in_branches.values() for name in found) == sorted(names)
    for found in in_branches.values():
        assert found == [name for name in names if name in found]
