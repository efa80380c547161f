"""Power levels: scenarios between the balanced baseline and each imbalance.

The scenario behind the dashboard's sliders, usable without Solara:

- each power level x in [0, 1] moves every field in which ``scenarios/baseline.yaml``
  and that power's ``scenarios/<power>_imbalance.yaml`` differ, field = (1 - x) a + x b
  (the ``map`` parameters of sweep files, :class:`sim.config.sweep.ParameterSpec`):
  x = 0 is the baseline, x = 1 the imbalance file; a bot campaign grows from 0 to its
  full size (x times its count, share or per_10k);
- each compensation toggle adds the interventions of ``scenarios/reorder_<family>.yaml``
  (and the closed public platform that ``new_public_platform`` opens), moved to start at
  ``compensation_start`` (the files start them at step 100, after 100 imbalanced steps).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from sim.config import Scenario
from sim.config.actors import BotCampaignSpec
from sim.config.sweep import ParameterSpec
from sim.config.yamlio import read_yaml_file
from sim.engine.scenarios import SHIPPED, load_scenario

SCENARIOS = SHIPPED
BASELINE = SCENARIOS / "baseline.yaml"
POWERS = {  # slider name -> the scenario file at slider value 1
    "technology": "tech_imbalance.yaml",
    "market": "market_imbalance.yaml",
    "social": "social_imbalance.yaml",
}
COMPENSATIONS = {  # toggle name -> the scenario file whose interventions it adds
    "symbol_connection": "reorder_symbol.yaml",
    "platform_performance": "reorder_platform.yaml",
    "node_empowerment": "reorder_node.yaml",
}
_NOT_INTERPOLATED = {"name", "description"}


# --------------------------------------------------------------------------- scenario


def _leaves(data: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts and lists to ``dotted.path -> leaf value``."""
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return {prefix: data}
    out: dict[str, Any] = {}
    for key, value in items:
        out.update(_leaves(value, f"{prefix}.{key}" if prefix else str(key)))
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@cache
def power_parameter(power: str) -> tuple[ParameterSpec, tuple[dict[str, Any], ...]]:
    """The sweep parameter that moves ``power`` from the baseline (0) to its imbalance
    file (1), and the bot campaigns that file adds (their size scales with the slider).

    Leaders' agendas are compared leader by leader (the lists cycled to each file's
    number of leaders, ``Scenario.leader_count``).
    Any other difference that is not a number is refused: it cannot be interpolated."""
    base = _comparable(load_scenario(BASELINE))
    imbalanced_spec = load_scenario(SCENARIOS / POWERS[power])
    imbalanced = _comparable(imbalanced_spec)
    base_bots = {b["name"] for b in base.pop("bots")}
    bots = tuple(b for b in imbalanced.pop("bots") if b["name"] not in base_bots)
    a, b = _leaves(base), _leaves(imbalanced)
    if a.keys() != b.keys():
        raise ValueError(f"{POWERS[power]}: fields differ in structure from baseline.yaml: "
                         f"{sorted(a.keys() ^ b.keys())}")
    mapping: dict[str, tuple[float, float]] = {}
    for path, low in a.items():
        high = b[path]
        if low == high or path in _NOT_INTERPOLATED:
            continue
        if not (_is_number(low) and _is_number(high)) or isinstance(low, int) and isinstance(
                high, int):
            raise ValueError(f"{POWERS[power]}: {path} differs from baseline.yaml "
                             f"({low!r} -> {high!r}) and cannot be interpolated")
        mapping[path] = (float(low), float(high))
    return ParameterSpec(name=power, map=mapping), bots


def _comparable(scenario: Scenario) -> dict[str, Any]:
    data = scenario.resolved()
    data["leaders"]["agenda"] = scenario.leaders.agendas(scenario.leader_count).tolist()
    return data


@cache
def compensation_parts(family: str) -> tuple[tuple[dict[str, Any], ...],
                                              tuple[dict[str, Any], ...]]:
    """(interventions, platforms the baseline lacks) of a reorder file, as written there."""
    data = read_yaml_file(SCENARIOS / COMPENSATIONS[family]).data
    base_names = {p["name"] for p in read_yaml_file(BASELINE).data["platforms"]}
    extra = tuple(p for p in data["platforms"] if p["name"] not in base_names)
    return tuple(data["interventions"]), extra


def power_overrides(technology: float = 0.0, market: float = 0.0, social: float = 0.0,
                        symbol_connection: bool = False, platform_performance: bool = False,
                        node_empowerment: bool = False, compensation_start: int = 50,
                        population: int = 2000, steps: int = 200) -> list[str]:
    """The ``dotted.key=value`` overrides of baseline.yaml for these levels of the three
    powers (0 = baseline, 1 = the imbalance file), compensation toggles, the step from
    which compensation acts, population and steps."""
    levels = {"technology": technology, "market": market, "social": social}
    for power, x in levels.items():
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"{power} imbalance must be in [0, 1]; got {x}")
    base = load_scenario(BASELINE)
    overrides = [f"population.size={int(population)}", f"run.steps={int(steps)}",
                 f"leaders.agenda={json.dumps(base.leaders.agendas(base.leader_count).tolist())}"]
    toggles = {"symbol_connection": symbol_connection,
               "platform_performance": platform_performance,
               "node_empowerment": node_empowerment}
    interventions: list[dict[str, Any]] = []
    platforms = read_yaml_file(BASELINE).data["platforms"]
    for family, on in toggles.items():
        if not on:
            continue
        items, extra_platforms = compensation_parts(family)
        first = min(item.get("start", 0) for item in items)
        for item in items:
            item = dict(item)
            shift = int(compensation_start) - first
            item["start"] = item.get("start", 0) + shift
            if item.get("end") is not None:
                item["end"] += shift
            interventions.append(item)
        platforms = [*platforms, *extra_platforms]  # appended: platforms.0-3 keep their index
    if len(platforms) > len(read_yaml_file(BASELINE).data["platforms"]):
        overrides.append(f"platforms={json.dumps(platforms)}")
    bots: list[dict[str, Any]] = []
    seen: set[str] = set()
    for power, x in levels.items():
        parameter, campaigns = power_parameter(power)
        overrides += parameter.overrides(x)
        for campaign in campaigns:
            scaled = _scaled_campaign(campaign, x)
            size = BotCampaignSpec.model_validate(scaled).resolved_count(int(population))
            if size and campaign["name"] not in seen:
                seen.add(campaign["name"])
                bots.append(scaled)
    if bots:
        overrides.append(f"bots={json.dumps(bots)}")
    if interventions:
        overrides.append(f"interventions={json.dumps(interventions)}")
    return overrides


def _scaled_campaign(campaign: dict[str, Any], x: float) -> dict[str, Any]:
    """A bot campaign (resolved data) at x times its size: a count is rounded (half to
    even), a share or per_10k multiplied (and resolved by the scenario's own rule)."""
    if campaign.get("count") is not None:
        return {**campaign, "count": round(x * campaign["count"])}
    key = "share" if campaign.get("share") is not None else "per_10k"
    return {**campaign, key: x * campaign[key]}


def power_scenario(seed: int = 42, **sliders: Any) -> Scenario:
    """The scenario for these levels and toggles (see :func:`power_overrides`)."""
    return load_scenario(BASELINE, [*power_overrides(**sliders), f"run.seed={int(seed)}"])
