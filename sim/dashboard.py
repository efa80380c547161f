"""Interactive dashboard: a Mesa SolaraViz app over the opinion-ecology model.

Start it (from the repository root, with the ``dashboard`` extra installed)::

    solara run sim/dashboard.py --host 127.0.0.1

and open http://127.0.0.1:8765. The sidebar sets the three power imbalances, the three
compensations, the population size and the seed; **Reset** builds a new model from them,
**Step** and the play button run it. The main page shows the disorder indices and the
platforms' user shares over time, and a fixed sample of users in the follow network.

The scenario behind the sliders (``dashboard_scenario``), no Solara needed:

- each power slider x in [0, 1] moves every field in which ``scenarios/baseline.yaml``
  and that power's ``scenarios/<power>_imbalance.yaml`` differ, field = (1 - x) a + x b
  (the ``map`` parameters of sweep files, ``sim.sweep.ParameterSpec``): x = 0 is the
  baseline, x = 1 the imbalance file; a bot campaign grows from 0 to its full count;
- each compensation toggle adds the interventions of ``scenarios/reorder_<family>.yaml``
  (and the closed public platform that ``new_public_platform`` opens), moved to start at
  ``compensation_start`` (the files start them at step 100, after 100 imbalanced steps).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import solara
from mesa.visualization import SolaraViz

from sim.model import OpinionEcologyModel
from sim.plots import disorder_figure
from sim.sampling import snowball_sample
from sim.scenario import Scenario, load_scenario
from sim.sweep import ParameterSpec
from sim.yamlio import read_yaml_file

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
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
NETWORK_SAMPLE_SIZE = 200  # users drawn in the network view (chosen: readable, fast)
SAMPLE_SEED = 20240  # the sample's own generator: drawing it never changes a run
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
    file (1), and the bot campaigns that file adds (their count scales with the slider).

    Leaders' agendas are compared leader by leader (the lists cycled to ``leaders.count``).
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
    data["leaders"]["agenda"] = scenario.leaders.agendas().tolist()
    return data


@cache
def compensation_parts(family: str) -> tuple[tuple[dict[str, Any], ...],
                                              tuple[dict[str, Any], ...]]:
    """(interventions, platforms the baseline lacks) of a reorder file, as written there."""
    data = read_yaml_file(SCENARIOS / COMPENSATIONS[family]).data
    base_names = {p["name"] for p in read_yaml_file(BASELINE).data["platforms"]}
    extra = tuple(p for p in data["platforms"] if p["name"] not in base_names)
    return tuple(data["interventions"]), extra


def dashboard_overrides(technology: float = 0.0, market: float = 0.0, social: float = 0.0,
                        symbol_connection: bool = False, platform_performance: bool = False,
                        node_empowerment: bool = False, compensation_start: int = 50,
                        population: int = 2000, steps: int = 200) -> list[str]:
    """The ``dotted.key=value`` overrides of baseline.yaml for these slider values."""
    levels = {"technology": technology, "market": market, "social": social}
    for power, x in levels.items():
        if not 0.0 <= x <= 1.0:
            raise ValueError(f"{power} imbalance must be in [0, 1]; got {x}")
    base = load_scenario(BASELINE)
    overrides = [f"population.size={int(population)}", f"run.steps={int(steps)}",
                 f"leaders.agenda={json.dumps(base.leaders.agendas().tolist())}"]
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
            count = round(x * campaign["count"])
            if count and campaign["name"] not in seen:
                seen.add(campaign["name"])
                bots.append({**campaign, "count": count})
    if bots:
        overrides.append(f"bots={json.dumps(bots)}")
    if interventions:
        overrides.append(f"interventions={json.dumps(interventions)}")
    return overrides


def dashboard_scenario(seed: int = 42, **sliders: Any) -> Scenario:
    """The scenario for these slider values (see ``dashboard_overrides``)."""
    return load_scenario(BASELINE, [*dashboard_overrides(**sliders), f"run.seed={int(seed)}"])


class DashboardModel(OpinionEcologyModel):
    """The model built from the dashboard's inputs (keyword arguments, as SolaraViz needs).

    ``rng`` is the seed (an int, or its text from the seed box); every other argument is
    one slider or toggle (see ``dashboard_overrides``). The model also keeps a fixed
    sample of users and their layout for the network view."""

    def __init__(self, technology: float = 0.0, market: float = 0.0, social: float = 0.0,
                 symbol_connection: bool = False, platform_performance: bool = False,
                 node_empowerment: bool = False, compensation_start: int = 50,
                 population: int = 2000, rng: int | str | None = 42) -> None:
        text = "42" if rng is None else str(rng).strip() or "42"
        if not text.isdigit():
            raise ValueError(f"seed must be a whole number >= 0; got {text!r}")
        seed = int(text)
        self.sliders = {"technology": technology, "market": market, "social": social,
                        "symbol_connection": symbol_connection,
                        "platform_performance": platform_performance,
                        "node_empowerment": node_empowerment,
                        "compensation_start": compensation_start, "population": population}
        super().__init__(dashboard_scenario(seed=seed, **self.sliders), rng=seed)
        self.sample = network_sample(self, NETWORK_SAMPLE_SIZE)
        self.sample_layout = sample_layout(self, self.sample)


# --------------------------------------------------------------------------- network view


def network_sample(model: OpinionEcologyModel, size: int) -> np.ndarray:
    """Sorted ids of ``size`` accounts: a snowball over follow ties (sim.sampling) from the
    opinion leaders and three random accounts, drawn with the dashboard's own generator
    (bots enter as the accounts that the sample follows)."""
    rng = np.random.default_rng(SAMPLE_SEED)
    starts = np.concatenate([np.flatnonzero(model.is_leader),
                             rng.choice(model.n, size=min(3, model.n), replace=False)])
    return snowball_sample(model.network.indptr, model.network.followees, size, starts, rng)


def sample_ties(model: OpinionEcologyModel, sample: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(reader, followee) positions in ``sample`` of the current follow ties among it."""
    net = model.network
    position = np.full(model.n, -1, dtype=np.int64)
    position[sample] = np.arange(sample.size)
    lengths = net.indptr[sample + 1] - net.indptr[sample]
    readers = np.repeat(np.arange(sample.size), lengths)
    followees = np.concatenate([net.followees[net.indptr[i]:net.indptr[i + 1]]
                                for i in sample])
    inside = position[followees] >= 0
    return readers[inside], position[followees[inside]]


def sample_layout(model: OpinionEcologyModel, sample: np.ndarray) -> np.ndarray:
    """Fixed 2-d positions of the sample (spring layout of its initial ties)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(sample.size))
    graph.add_edges_from(zip(*sample_ties(model, sample), strict=True))
    pos = nx.spring_layout(graph, seed=SAMPLE_SEED, iterations=60)
    return np.array([pos[k] for k in range(sample.size)])


# --------------------------------------------------------------------------- figures


def readout(model: OpinionEcologyModel) -> str:
    """One line: the step and the latest disorder indices."""
    last = model.latest_metrics()
    return (f"step {model.step_count}: disorder_index {last['disorder_index']:.4f} "
            f"(content {last['content_disorder']:.3f}, platform "
            f"{last['platform_disorder']:.3f}, pattern {last['pattern_disorder']:.3f})")


def built_from(model: DashboardModel) -> str:
    """The inputs the running model was built from (sliders act on Reset)."""
    s = model.sliders
    on = [name.replace("_", " ") for name in COMPENSATIONS if s[name]]
    compensation = (f"{', '.join(on)} from step {s['compensation_start'] + 1}" if on
                    else "no compensation")
    return (f"Imbalance: technology {s['technology']:.1f}, market {s['market']:.1f}, social "
            f"{s['social']:.1f}; {compensation}; {model.n} users, seed {model.seed}. "
            "Change the inputs, then Reset.")


def platforms_figure(model: OpinionEcologyModel):
    """Users' home-platform shares against step, stacked."""
    from matplotlib.figure import Figure

    frame = model.platforms_frame().pivot(index="step", columns="platform",
                                          values="user_share")
    names = [p.name for p in model.platforms]
    fig = Figure(figsize=(7.0, 4.0))
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.12, top=0.92)
    ax = fig.subplots()
    ax.stackplot(frame.index, *(frame[name] for name in names), labels=names, alpha=0.85)
    ax.set_xlim(frame.index.min(), max(frame.index.max(), 1))
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("step")
    ax.set_ylabel("share of users (home platform)")
    ax.set_title("Platform shares (market power)")
    ax.legend(fontsize=8, loc="upper left")
    return fig


def network_figure(model: DashboardModel):
    """The fixed sample in the current follow network, coloured by opinion."""
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure

    sample, pos = model.sample, model.sample_layout
    readers, followees = sample_ties(model, sample)
    fig = Figure(figsize=(7.0, 5.0))
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.94)
    ax = fig.subplots()
    ax.add_collection(LineCollection(np.stack([pos[readers], pos[followees]], axis=1),
                                     colors="0.6", linewidths=0.4, alpha=0.5, zorder=1))
    opinion = model.opinion[sample]
    roles = {"public": (~model.is_leader[sample] & ~model.is_bot[sample], "o", 22),
             "leader": (model.is_leader[sample], "*", 220),
             "bot": (model.is_bot[sample], "^", 45)}
    points = None
    for role, (mask, marker, size) in roles.items():
        if mask.any():
            points = ax.scatter(pos[mask, 0], pos[mask, 1], c=opinion[mask], cmap="coolwarm",
                                vmin=-1.0, vmax=1.0, marker=marker, s=size, zorder=2,
                                edgecolors="black" if role != "public" else "none",
                                linewidths=0.7, label=f"{role} ({int(mask.sum())})")
    if points is not None:
        fig.colorbar(points, ax=ax, label="opinion", shrink=0.8)
    ax.legend(fontsize=8, loc="lower left", markerscale=0.8)
    ax.set_title(f"Follow network: {sample.size} sampled users")
    ax.set_axis_off()
    return fig


# --------------------------------------------------------------------------- Solara page

MODEL_PARAMS = {
    "technology": {"type": "SliderFloat", "value": 0.0, "min": 0.0, "max": 1.0, "step": 0.1,
                   "label": "Technology power imbalance"},
    "market": {"type": "SliderFloat", "value": 0.0, "min": 0.0, "max": 1.0, "step": 0.1,
               "label": "Market power imbalance"},
    "social": {"type": "SliderFloat", "value": 0.0, "min": 0.0, "max": 1.0, "step": 0.1,
               "label": "Social power imbalance"},
    "symbol_connection": {"type": "Checkbox", "value": False,
                          "label": "Symbol connection (technology compensation)"},
    "platform_performance": {"type": "Checkbox", "value": False,
                             "label": "Platform performance (market compensation)"},
    "node_empowerment": {"type": "Checkbox", "value": False,
                         "label": "Node empowerment (social compensation)"},
    "compensation_start": {"type": "SliderInt", "value": 50, "min": 0, "max": 200, "step": 10,
                           "label": "Compensation acts from step (+1)"},
    "population": {"type": "SliderInt", "value": 2000, "min": 500, "max": 20_000, "step": 500,
                   "label": "Population"},
    "rng": {"type": "InputText", "value": "42", "label": "Seed"},
}


def _fitted(fig):
    """Shorter, to leave room for the text above it in the same grid cell, and a fixed
    layout: matplotlib's constrained layout doubles the time of every redraw."""
    if len(fig.axes) == 1:
        fig.set_layout_engine("none")
        fig.set_size_inches(7.0, 3.3)
        fig.axes[0].set_position([0.09, 0.14, 0.89, 0.78])
        fig.axes[0].set_ylabel("index (0 = balanced)")
    return fig


def disorder_panel(model: DashboardModel):
    """What the model was built from, the readout line and the disorder-indices figure."""
    with solara.Column() as panel:
        solara.Text(built_from(model), classes=["oe-built-from"])
        solara.Text(readout(model), classes=["oe-readout"])
        solara.FigureMatplotlib(_fitted(disorder_figure(model.metrics_frame(),
                                                      "Disorder indices")), format="png")
    return panel


def platforms_panel(model: DashboardModel):
    return solara.FigureMatplotlib(platforms_figure(model), format="png")


def network_panel(model: DashboardModel):
    return solara.FigureMatplotlib(network_figure(model), format="png")


# plain functions, not solara components: SolaraViz wraps them to re-render after each step
COMPONENTS = [(disorder_panel, 0), (platforms_panel, 0), (network_panel, 0)]


@solara.component
def Page():
    """The app (``solara run`` looks for ``Page``)."""
    # one model per browser session: a module-level model would be shared by every visitor
    model = solara.use_memo(DashboardModel, [])
    SolaraViz(model, components=COMPONENTS, model_params=MODEL_PARAMS,
              name="opinion-ecology: power and disorder")
