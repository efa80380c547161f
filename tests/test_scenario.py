"""Scenario files: valid ones load, invalid ones give one clear, located message."""

from __future__ import annotations

import json
import textwrap

import pytest

from sim.config import ScenarioError, apply_overrides, scenario_json_schema
from sim.engine.scenarios import load_scenario

from .conftest import SCENARIOS


def write(tmp_path, text: str, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error_of(path, overrides=None) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    return str(info.value)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_scenarios_are_valid(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem


def test_defaults_are_the_textbook_limit(tmp_path):
    scenario = load_scenario(write(tmp_path, "name: x\npopulation: {size: 100}\n"))
    assert [s.share for s in scenario.population.strata] == [1.0]
    assert scenario.leaders.count == 0 and scenario.bots == []
    assert scenario.dynamics.silence.enabled is False
    assert scenario.dynamics.recommendation_share == 0.0
    assert scenario.interventions == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\npopulation:\n  size: -5\n", ["s.yaml:3:3", "population.size", "greater than 1"]),
        ("name: x\npopulation:\n  size: many\n", ["s.yaml:3:3", "population.size", "integer",
                                                 "'many'"]),
        ("name: x\npopulation:\n  sise: 5\n", ["s.yaml:3:3", "population.sise",
                                               "did you mean 'size'", "allowed: size"]),
        ("name: x\npopulation:\n  size: 100\n  strata:\n    - {name: a, share: 0.5}\n"
         "    - {name: b, share: 0.4}\n", ["s.yaml:4:3", "population.strata", "sum to 1"]),
        ("name: x\npopulation: {size: 100}\nrun: {steps: 0}\n",
         ["s.yaml:3:7", "run.steps", "greater than or equal to 1"]),
        ("name: x\npopulation: {size: 100}\ndynamics: {recommendation_share: 1.5}\n",
         ["dynamics.recommendation_share", "less than or equal to 1"]),
        ("name: x\npopulation: {size: 100}\nnetwork: {generator: barabasi, m: 3}\n",
         ["s.yaml:3:1", "network", "'barabasi_albert'"]),
        ("name: x\npopulation: {size: 100}\nnetwork: {generator: barabasi_albert, m: 300}\n",
         ["network.m", "below population.size (100)"]),
        ("name: x\npopulation: {size: 100}\nbots: [{count: 3, stance: 0.5, platform: nope}]\n",
         ["bots.0.platform", "unknown platform 'nope'", "allowed: platform"]),
        ("name: x\npopulation: {size: 100}\ninterventions: [{type: trafic_cap}]\n",
         ["interventions.0", "unknown type 'trafic_cap'", "did you mean 'traffic_cap'"]),
        ("name: x\npopulation: {size: 100}\nleaders: {count: 60}\n",
         ["leaders.count", "at most half"]),
        ("name: x\npopulation: {size: 100}\nplatforms: [{name: a, share: 0.5}]\n",
         ["platforms", "sum to 1"]),
        ("name: x\nname: y\npopulation: {size: 100}\n", ["s.yaml:2:1", "duplicate key 'name'"]),
        ("name: !!python/object/apply:os.system [ls]\n", ["s.yaml:1:7", "plain YAML"]),
        ("- 1\n- 2\n", ["top level must be a mapping"]),
        ("", ["file is empty"]),
        ("name: [unclosed\n", ["not valid scenario YAML"]),
        ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n"
         "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e]\n",
         ["expand to more than"]),
    ],
    ids=["negative-size", "size-type", "typo", "strata-shares", "zero-steps", "probability",
         "generator", "m-vs-size", "bot-platform", "interventions", "too-many-leaders",
         "platform-shares", "duplicate-key", "python-tag", "non-mapping", "empty", "bad-yaml",
         "alias-bomb"],
)
def test_rejections_name_file_field_and_rule(tmp_path, text, expected):
    message = error_of(write(tmp_path, text))
    for part in expected:
        assert part in message, f"{part!r} not in {message!r}"
    assert "Traceback" not in message


def test_edge_list_bad_line_reported_with_line_number(tmp_path):
    (tmp_path / "edges.txt").write_text("# comment\n0 1\n\n1 2\n2 x\n")
    path = write(tmp_path, "name: x\npopulation: {size: 10}\n"
                 "network: {generator: edge_list, path: edges.txt}\n")
    message = error_of(path)
    assert "network.path" in message and "edges.txt:5" in message and "'2 x'" in message


def test_edge_list_out_of_range_and_missing(tmp_path):
    (tmp_path / "edges.txt").write_text("0 1\n1 12\n")
    path = write(tmp_path, "name: x\npopulation: {size: 10}\n"
                 "network: {generator: edge_list, path: edges.txt}\n")
    assert "edges.txt:2" in error_of(path) and "0..9" in error_of(path)
    path = write(tmp_path, "name: x\npopulation: {size: 10}\n"
                 "network: {generator: edge_list, path: nowhere.txt}\n", "t.yaml")
    assert "not found" in error_of(path)


def test_edge_list_path_is_relative_to_the_scenario(tmp_path):
    sub = tmp_path / "data"
    sub.mkdir()
    (sub / "edges.txt").write_text("0 1\n1 2\n")
    path = write(tmp_path, "name: x\npopulation: {size: 3}\n"
                 "network: {generator: edge_list, path: data/edges.txt}\n")
    scenario = load_scenario(path)
    assert scenario.network.path == str((sub / "edges.txt").resolve())


def test_missing_file_and_oversized_file(tmp_path):
    assert "file not found" in error_of(tmp_path / "nope.yaml")
    big = tmp_path / "big.yaml"
    big.write_text("name: x\n" + "# padding\n" * 200_000)
    assert "limited to" in error_of(big)


def test_overrides_apply_and_are_validated():
    base = SCENARIOS / "baseline.yaml"
    scenario = load_scenario(base, ["population.size=100000", "interventions=[]",
                                    "platforms.0.name=renamed", "dynamics.silence.enabled=false"])
    assert scenario.population.size == 100_000
    assert scenario.interventions == []
    assert scenario.platforms[0].name == "renamed"
    assert scenario.dynamics.silence.enabled is False
    message = error_of(base, ["population.size=-1"])
    assert "--set population.size=-1" in message and "population.size" in message
    message = error_of(base, ["population.strata.9.share=1"])
    assert "list index" in message


def test_apply_overrides_does_not_mutate_input():
    data = {"run": {"steps": 5}}
    out = apply_overrides(data, ["run.steps=7", "run.seed=3"])
    assert data == {"run": {"steps": 5}}
    assert out == {"run": {"steps": 7, "seed": 3}}
    with pytest.raises(ScenarioError, match="expected dotted.key=value"):
        apply_overrides(data, ["run.steps"])


def test_json_schema_lists_every_section():
    schema = scenario_json_schema()
    json.dumps(schema)
    for section in ("name", "population", "network", "platforms", "leaders", "bots",
                    "dynamics", "interventions", "run"):
        assert section in schema["properties"]
    assert schema["additionalProperties"] is False


def test_build_limits_are_caught_by_validation(tmp_path):
    message = error_of(write(tmp_path, "name: x\npopulation: {size: 6000}\n"
                             "network: {generator: complete}\n"))
    assert "network.generator" in message and "5000" in message
    message = error_of(write(tmp_path, "name: x\npopulation:\n  size: 200\n  strata:\n"
                             "    - {name: a, share: 0.95}\n    - {name: b, share: 0.05}\n"
                             "network: {generator: stochastic_block, mean_degree: 50}\n",
                             "t.yaml"))
    assert "network.mean_degree" in message and "> 1" in message


def test_edge_list_non_ascii_digits_are_a_clear_error(tmp_path):
    (tmp_path / "edges.txt").write_text("0 1\n1 \u00b2\n", encoding="utf-8")
    path = write(tmp_path, "name: x\npopulation: {size: 10}\n"
                 "network: {generator: edge_list, path: edges.txt}\n")
    assert "edges.txt:2" in error_of(path)
