"""Interactive dashboard: a Mesa SolaraViz app over the opinion-ecology model.

Start it (from the repository root, with the ``dashboard`` extra installed)::

    solara run sim/face/dashboard.py --host 127.0.0.1

and open http://127.0.0.1:8765. The sidebar sets the three power imbalances, the three
compensations, the population size and the seed; **Reset** builds a new model from them,
**Step** and the play button run it. The main page shows the disorder indices and the
platforms' user shares over time, and a fixed sample of users in the follow network.

The scenario behind the sliders is :func:`sim.runs.power_levels.power_scenario` (no
Solara needed); the figures are :mod:`sim.views`'; the network sample is
:mod:`sim.engine.sampling`'s snowball. This module only lays them out.
"""

from __future__ import annotations

import numpy as np
import solara
from mesa.visualization import SolaraViz

from sim.engine.model import OpinionEcologyModel
from sim.engine.sampling import sample_frames, snowball_sample
from sim.runs.power_levels import COMPENSATIONS, power_scenario
from sim.runs.resources import check_memory
from sim.views.run import disorder_figure, network_layout, platforms_figure
from sim.views.run import network_figure as views_network_figure

NETWORK_SAMPLE_SIZE = 200  # users drawn in the network view (chosen: readable, fast)
SAMPLE_SEED = 20240  # the sample's own generator: drawing it never changes a run


class DashboardModel(OpinionEcologyModel):
    """The model built from the dashboard's inputs (keyword arguments, as SolaraViz needs).

    ``rng`` is the seed (an int, or its text from the seed box); every other argument is
    one slider or toggle (see :func:`sim.runs.power_levels.power_overrides`). The model
    also keeps a fixed sample of users and their layout for the network view."""

    def __init__(self, technology: float = 0.0, market: float = 0.0, social: float = 0.0,
                 symbol_connection: bool = False, platform_performance: bool = False,
                 node_empowerment: bool = False, compensation_start: int = 50,
                 population: int = 2000, rng: int | str | None = 42) -> None:
        text = "42" if rng is None else str(rng).strip() or "42"
        if not (text.isascii() and text.isdigit()) or len(text) > 18:  # not "²", not huge
            raise ValueError(f"seed must be a whole number >= 0; got {text!r}")
        seed = int(text)
        self.sliders = {"technology": technology, "market": market, "social": social,
                        "symbol_connection": symbol_connection,
                        "platform_performance": platform_performance,
                        "node_empowerment": node_empowerment,
                        "compensation_start": compensation_start, "population": population}
        scenario = power_scenario(seed=seed, **self.sliders)
        check_memory(scenario, "dashboard")  # refuse what this machine cannot hold
        super().__init__(scenario, rng=seed)
        self.sample = sample_accounts(self, NETWORK_SAMPLE_SIZE)
        self.sample_layout = sample_layout(self, self.sample)


# --------------------------------------------------------------------------- network view


def sample_accounts(model: OpinionEcologyModel, size: int) -> np.ndarray:
    """Sorted ids of ``size`` accounts: a snowball over follow ties (sim.engine.sampling)
    from the opinion leaders and three random accounts, drawn with the dashboard's own
    generator (bots enter as the accounts that the sample follows)."""
    state = model.state
    rng = np.random.default_rng(SAMPLE_SEED)
    starts = np.concatenate([state.leader_accounts,
                             rng.choice(state.n, size=min(3, state.n), replace=False)])
    return snowball_sample(state.network.indptr, state.network.followees, size, starts, rng)


def sample_layout(model: OpinionEcologyModel, sample: np.ndarray) -> np.ndarray:
    """Fixed 2-d positions of the sample (the network figure's layout of its initial ties),
    so that the picture only changes where opinions and ties do."""
    nodes, edges = sample_frames(model.state, sample)
    return network_layout(nodes, edges, seed=SAMPLE_SEED)


# --------------------------------------------------------------------------- figures


def readout(model: OpinionEcologyModel) -> str:
    """One line: the step and the latest disorder indices."""
    last = model.latest_metrics()
    return (f"step {model.steps}: disorder_index {last['disorder_index']:.4f} "
            f"(content {last['content_disorder']:.3f}, platform "
            f"{last['platform_disorder']:.3f}, pattern {last['pattern_disorder']:.3f})")


def built_from(model: DashboardModel) -> str:
    """The inputs the running model was built from (sliders act on Reset)."""
    s = model.sliders
    on = [name.replace("_", " ") for name in COMPENSATIONS if s[name]]
    compensation = (f"{', '.join(on)} from step {s['compensation_start'] + 1}" if on
                    else "no compensation")
    return (f"Imbalance: technology {s['technology']:.1f}, market {s['market']:.1f}, social "
            f"{s['social']:.1f}; {compensation}; {model.state.n} users, seed {model.seed}. "
            "Change the inputs, then Reset.")


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
    return solara.FigureMatplotlib(platforms_figure(model.platforms_frame()),
                                   format="png")


def network_figure(model: DashboardModel):
    """The fixed sample in the current follow network (sim.views.run.network_figure)."""
    nodes, edges = sample_frames(model.state, model.sample)
    return views_network_figure(nodes, edges, positions=model.sample_layout)


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
