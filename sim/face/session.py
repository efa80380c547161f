"""One dashboard session: its inputs, its model, the threads that play and draw it, export.

No Solara here: :mod:`sim.face.dashboard` lays a :class:`Session` out in the browser, and
the tests drive one directly.

* **Inputs** (:data:`FIELDS`, :func:`parse_inputs`): each input's text is checked on its
  own (a message per field, never an exception); :class:`Inputs` holds checked values,
  and :meth:`Inputs.scenario` is :func:`sim.runs.power_levels.power_scenario`.
* **Threads.** One lock guards the model: the player thread steps under it, and
  :meth:`Session.snapshot` copies every table the views need under it, so a figure never
  reads a buffer while a step writes it. The drawer thread draws the views from such
  snapshots, outside the lock (stepping and drawing overlap), and hands each
  :class:`Frame` (PNG images and the step they show) to ``publish``.
* **Cleanup.** :meth:`Session.close` stops both threads and drops the model; it returns
  at once (it never waits for a drawing), so it can run while the page is torn down.
* **Export** (:meth:`Session.export`): the resolved scenario and the tables so far, to
  rerun from the command line.
"""

from __future__ import annotations

import gc
import io
import itertools
import math
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import Scenario, ScenarioError
from sim.engine.model import OpinionEcologyModel
from sim.engine.sampling import sample_frames, snowball_sample
from sim.runs.files import default_out, write_csv, write_resolved_scenario
from sim.runs.power_levels import COMPENSATIONS, power_scenario
from sim.runs.resources import check_memory
from sim.views.common import legend_above
from sim.views.run import (
    disorder_figure,
    lorenz_figure,
    metrics_figure,
    network_figure,
    network_layout,
    opinions_figure,
    platforms_figure,
    silence_figure,
)

NETWORK_SAMPLE_SIZE = 200  # users drawn in the network view (chosen: readable, fast)
SAMPLE_SEED = 20240  # the sample's own generator: drawing it never changes a run
RESULTS_ENV = "OE_DASHBOARD_RESULTS"  # where Export writes (default: results/)

# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Field:
    """One input of the page: its checks, its slider (if any) and its help text."""

    name: str
    label: str
    kind: str  # "level" (a number in [low, high]), "count" (a whole number), "toggle", "seed"
    default: Any
    help: str
    low: float = 0.0
    high: float = 1.0
    slider_step: float | None = None  # None: a number box only


FIELDS: tuple[Field, ...] = (
    Field("technology", "Technology power imbalance", "level", 0.0, slider_step=0.05,
          help="0 = baseline.yaml (balanced), 1 = tech_imbalance.yaml: a digital divide in "
               "access and literacy, opinion leaders with agendas and reach, a bot campaign, "
               "recommendations biased towards what readers already think."),
    Field("market", "Market power imbalance", "level", 0.0, slider_step=0.05,
          help="0 = baseline.yaml, 1 = market_imbalance.yaml: network effects that let big "
               "platforms absorb small ones, traffic-first (engagement) ranking, a mainstream "
               "news app that nobody passes on."),
    Field("social", "Social power imbalance", "level", 0.0, slider_step=0.05,
          help="0 = baseline.yaml, 1 = social_imbalance.yaml: social capital from urban-young "
               "(high) to rural-old (low), hubs held by the high-capital strata, a Matthew "
               "effect in who follows whom, emotional posts travelling further."),
    Field("symbol_connection", "Symbol connection", "toggle", False,
          help="Technology compensation (reorder_symbol.yaml): a connectivity programme for "
               "the low-access strata, an algorithm reform, real-name and IP display against "
               "bots."),
    Field("platform_performance", "Platform performance", "toggle", False,
          help="Market compensation (reorder_platform.yaml): a cap on traffic-first ranking, "
               "media convergence, and a new public platform that opens with 10 % of the "
               "public."),
    Field("node_empowerment", "Node empowerment", "toggle", False,
          help="Social compensation (reorder_node.yaml): peripheral voices amplified for 100 "
               "steps, ties bridged across strata, expression supported in the low-capital "
               "strata."),
    Field("compensation_start", "Compensation begins after step", "count", 50,
          low=0, high=2000, slider_step=10,
          help="The ticked compensations act from the next step on (their interventions' "
               "start); amplify_periphery stops 100 steps later."),
    Field("population", "Population (users)", "count", 2000,
          low=500, high=20_000, slider_step=500,
          help="population.size: every account of the model, the public and, taken among "
               "them, opinion leaders, bots and the outlet's accounts."),
    Field("steps", "Run length (steps)", "count", 200, low=1, high=2000,
          help="run.steps: the run stops here, as the command line's run would."),
    Field("seed", "Seed", "seed", 42,
          help="run.seed: a whole number >= 0. The same inputs and seed give the same run, "
               "here and from the command line."),
)
FIELD = {f.name: f for f in FIELDS}


@dataclass(frozen=True)
class Inputs:
    """Checked values of every input: what a model is built from."""

    technology: float = 0.0
    market: float = 0.0
    social: float = 0.0
    symbol_connection: bool = False
    platform_performance: bool = False
    node_empowerment: bool = False
    compensation_start: int = 50
    population: int = 2000
    steps: int = 200
    seed: int = 42

    def scenario(self) -> Scenario:
        """The scenario of these inputs (:func:`sim.runs.power_levels.power_scenario`)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return power_scenario(seed=values.pop("seed"), **values)

    def compensations(self) -> list[str]:
        return [name for name in COMPENSATIONS if getattr(self, name)]

    def describe(self) -> str:
        """One line: what a model built from these inputs is."""
        on = [FIELD[name].label.lower() for name in self.compensations()]
        compensation = (f"{' + '.join(on)} from step {self.compensation_start + 1}" if on
                        else "no compensation")
        return (f"imbalance: technology {self.technology:g}, market {self.market:g}, "
                f"social {self.social:g}; {compensation}; {self.population:,} users, "
                f"{self.steps} steps, seed {self.seed}")


def text_of(name: str, value: Any) -> Any:
    """The text an input field shows for ``value`` (a toggle keeps its bool)."""
    kind = FIELD[name].kind
    if kind == "toggle":
        return bool(value)
    if kind == "level":
        return f"{float(value):.4g}"
    return str(int(value))


def default_drafts(inputs: Inputs | None = None) -> dict[str, Any]:
    """The field texts of ``inputs`` (default: the defaults)."""
    inputs = inputs or Inputs()
    return {f.name: text_of(f.name, getattr(inputs, f.name)) for f in FIELDS}


_WHOLE = re.compile(r"\d{1,3}(?:[,_ ]\d{3})+|\d+")  # 2000, 2,000, 2_000, 2 000


def parse_field(name: str, raw: Any) -> Any:
    """The value of one field's text; ValueError with a message for the page if invalid."""
    spec = FIELD[name]
    if spec.kind == "toggle":
        return bool(raw)
    text = str(raw if raw is not None else "").strip()
    if spec.kind == "seed":
        if not (text.isascii() and text.isdigit()) or len(text) > 18:  # not "²", not huge
            raise ValueError(f"seed must be a whole number >= 0; got {text!r}")
        return int(text)
    if spec.kind == "count":
        if not (text.isascii() and _WHOLE.fullmatch(text)):
            raise ValueError(f"a whole number from {spec.low:,.0f} to {spec.high:,.0f}; "
                             f"got {text!r}")
        value = int(re.sub(r"[,_ ]", "", text))
        if not spec.low <= value <= spec.high:
            raise ValueError(f"from {spec.low:,.0f} to {spec.high:,.0f}; got {value:,}")
        return value
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"a number from {spec.low:g} to {spec.high:g}; got {text!r}") from None
    if not (math.isfinite(value) and spec.low <= value <= spec.high):
        raise ValueError(f"from {spec.low:g} to {spec.high:g}; got {text}")
    return value


def parse_inputs(drafts: Mapping[str, Any]) -> tuple[Inputs | None, dict[str, str]]:
    """(Inputs, {}) if every field's text is valid, else (None, field -> message)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in FIELDS:
        try:
            values[spec.name] = parse_field(spec.name, drafts.get(spec.name, spec.default))
        except ValueError as exc:
            errors[spec.name] = str(exc)
    if not errors:
        on = [name for name in COMPENSATIONS if values[name]]
        if on and values["compensation_start"] >= values["steps"]:
            errors["compensation_start"] = (f"the run ends at step {values['steps']}: "
                                            "compensation would never act")
    return (None, errors) if errors else (Inputs(**values), {})


def checked_scenario(inputs: Inputs) -> tuple[Scenario | None, dict[str, str]]:
    """(scenario, {}) or (None, field -> message): the scenario of ``inputs``, refused if this
    machine cannot hold it (:func:`sim.runs.resources.check_memory`)."""
    try:
        scenario = inputs.scenario()
        check_memory(scenario, "dashboard")
    except ScenarioError as exc:
        message = str(exc).removeprefix("dashboard: ")
        name = "steps" if message.startswith("run.steps") else "population"
        return None, {name: message}
    except ValueError as exc:
        return None, {"": str(exc)}
    return scenario, {}


# --------------------------------------------------------------------------- network sample


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


# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class Snapshot:
    """Copies of what the views read, all taken at one step under the session's lock."""

    generation: int  # which model of the session (each Apply builds a new one)
    step: int
    steps: int  # run.steps
    running: bool  # False once run.steps steps have run
    inputs: Inputs
    latest: dict[str, float]
    initial: dict[str, float]  # the metrics of step 0
    tables: dict[str, pd.DataFrame]
    positions: np.ndarray  # the network sample's fixed layout
    schedule: tuple[tuple[str, int, int | None], ...]  # interventions: (name, start, end)


@dataclass(frozen=True)
class Frame:
    """What the page shows: the views drawn from one snapshot, and the session's state."""

    generation: int
    step: int
    steps: int
    finished: bool
    playing: bool
    inputs: Inputs
    latest: dict[str, float]
    initial: dict[str, float]  # the metrics of step 0
    images: dict[str, bytes] = field(default_factory=dict)
    error: str | None = None


# --------------------------------------------------------------------------- views

MAIN_VIEWS = ("disorder", "opinions", "network", "silence", "platforms")
EXTRA_VIEWS = ("metrics", "lorenz")
VIEW_SIZE = (3.95, 4.3)  # inches, at VIEW_DPI: one cell of the page's 3 x 2 grid
VIEW_DPI = 90
DASHBOARD_RC = {"font.size": 8.5, "axes.titlesize": 9, "axes.labelsize": 8.5,
                "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8}
_DRAWING = threading.Lock()  # matplotlib's rcParams are global: one drawing at a time


def view_figure(name: str, snap: Snapshot):
    """The ``sim.views`` figure of view ``name`` for the dashboard: the run folder's picture,
    its x axis spanning the whole run, sized for one cell of the page."""
    tables, xmax = snap.tables, snap.steps
    if name == "disorder":
        fig = disorder_figure(tables["metrics"], interventions=tables["interventions"],
                              xmax=xmax)
        ax = fig.axes[0]
        ax.set_ylabel("index (0 = balanced ideal)")
        legend_above(ax, ncols=1, fontsize=7.5)  # one column: the cell is narrow
        if snap.step > 0:  # step 0 alone is drawn centred: no room for what comes later
            for start in sorted({start for _, start, _ in snap.schedule if start < xmax}):
                ax.axvline(start, color="0.25", linestyle=":", linewidth=1.0)
                ax.text(start, 0.97, f" compensation\n from step {start + 1}", fontsize=7,
                        va="top", ha="left", color="0.25", clip_on=True, in_layout=False)
    elif name == "opinions":
        fig = opinions_figure(tables["opinions"], mean=tables["metrics"], xmax=xmax)
        fig.axes[1].set_ylabel("share of the public (sqrt scale)")
    elif name == "network":
        fig = network_figure(tables["network_nodes"], tables["network_edges"],
                             positions=snap.positions)
        fig.axes[0].title.set_fontsize(8.5)
    elif name == "silence":
        fig = silence_figure(tables["strata"], interventions=tables["interventions"],
                             xmax=xmax)
        fig.axes[0].set_ylabel("silent share")
        if len(fig.axes) > 1:
            fig.axes[1].set_ylabel("voice (share of reading)")
    elif name == "platforms":
        fig = platforms_figure(tables["platforms"], xmax=xmax)
        fig.axes[0].set_ylabel("share of users (home platform)")
    elif name == "metrics":
        return metrics_figure(tables["metrics"])
    elif name == "lorenz":
        return lorenz_figure(tables["attention_lorenz"],
                             top1_share=snap.latest.get("attention_top1_share"),
                             gini=snap.latest.get("attention_gini"))
    else:
        raise KeyError(name)
    fig.set_size_inches(*VIEW_SIZE)
    return fig


def draw_views(snap: Snapshot, names) -> dict[str, bytes]:
    """PNG images of the views ``names`` drawn from ``snap``."""
    import matplotlib

    images = {}
    with _DRAWING, matplotlib.rc_context(DASHBOARD_RC):
        for name in names:
            fig = view_figure(name, snap)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=VIEW_DPI)
            images[name] = buffer.getvalue()
    return images


def _same(a: Frame, b: Frame) -> bool:
    return (a.generation, a.step, a.playing, a.finished, a.error) == (
        b.generation, b.step, b.playing, b.finished, b.error) and a.images is b.images


# --------------------------------------------------------------------------- the session

_LIVE_MODELS: weakref.WeakSet = weakref.WeakSet()  # every model a session built, until freed
_OPEN: weakref.WeakSet = weakref.WeakSet()
_NUMBERS = itertools.count(1)


def live_models() -> int:
    """Models built by dashboard sessions and not yet freed (after a garbage collection)."""
    gc.collect()
    return len(_LIVE_MODELS)


def open_sessions() -> int:
    return sum(1 for s in list(_OPEN) if not s.closed)


class Session:
    """A model built from :class:`Inputs`, played and drawn in threads (module doc).

    ``publish(frame)`` is called from the drawer thread after every drawing (and whenever
    the session's state changes); ``views`` are the names drawn (:data:`MAIN_VIEWS`,
    :data:`EXTRA_VIEWS`); ``results`` is where :meth:`export` writes."""

    MIN_DRAW_INTERVAL = 0.2  # seconds between drawings while playing: leave CPU to stepping

    def __init__(self, inputs: Inputs | None = None,
                 publish: Callable[[Frame], None] | None = None,
                 views=MAIN_VIEWS, results: Path | str | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.number = next(_NUMBERS)
        self.publish = publish
        self.views = tuple(views)
        self.results = Path(results if results is not None
                            else os.environ.get(RESULTS_ENV, "results"))
        self.log = log or (lambda message: None)
        self.closed = False
        self._drawer_done = self._logged = False
        self.error: str | None = None
        self._lock = threading.Lock()  # the model: stepping, snapshots, swapping
        self._wake = threading.Condition()  # the drawer's flags below
        self._dirty = True
        self._snapshot_waiting = threading.Event()  # fairness: the player yields to it
        self._stop = threading.Event()
        self._player: threading.Thread | None = None
        self._play_over = threading.Event()  # set by the player as it ends, before its last mark
        self.generation = 0
        self.model: OpinionEcologyModel | None = None
        self._initial: dict[str, float] = {}
        self._images: dict[str, bytes] = {}  # never changed in place: frames share it
        self._images_generation = 0
        self.frame: Frame | None = None
        self._install(*self._build(inputs or Inputs()))
        self._drawer = threading.Thread(target=self._draw_loop, daemon=True,
                                        name=f"oe-drawer-{self.number}")
        self._drawer.start()
        _OPEN.add(self)
        self.log(f"session {self.number} opened ({open_sessions()} open)")

    # ------------------------------------------------------------------ building

    def _build(self, inputs: Inputs, scenario: Scenario | None = None):
        scenario = scenario if scenario is not None else inputs.scenario()
        model = OpinionEcologyModel(scenario, rng=inputs.seed)
        sample = sample_accounts(model, NETWORK_SAMPLE_SIZE)
        _LIVE_MODELS.add(model)
        return inputs, model, sample, sample_layout(model, sample)

    def _install(self, inputs, model, sample, layout) -> None:
        with self._lock:
            self.inputs, self.model = inputs, model
            self.sample, self.layout = sample, layout
            self._initial = model.latest_metrics()
            self.generation += 1
            self.error = None
        self._mark_dirty()

    def apply(self, inputs: Inputs, scenario: Scenario | None = None) -> None:
        """Stop playing and replace the model by a new one built from ``inputs`` (its
        ``scenario`` if already built). If building fails, the current model stays."""
        self.pause()
        built = self._build(inputs, scenario)
        if self.closed:
            return
        self._install(*built)

    # ------------------------------------------------------------------ stepping

    @property
    def playing(self) -> bool:
        # The player's own flag, not only is_alive(): its final _mark_dirty runs while the
        # thread is still alive, and a drawer woken by it must already see playing False.
        return (self._player is not None and self._player.is_alive()
                and not self._play_over.is_set())

    @property
    def finished(self) -> bool:
        model = self.model
        return model is not None and not model.running

    def step(self, count: int = 1) -> int:
        """Run up to ``count`` steps now (none past run.steps, none while playing); return
        the steps run."""
        if self.playing or self.closed:
            return 0
        done = 0
        for _ in range(count):
            with self._lock:
                if self.model is None or not self.model.running:
                    break
                self.model.step()
            done += 1
        self._mark_dirty()
        return done

    def play(self, rate: float | None = None) -> None:
        """Step in a thread until paused or run.steps: ``rate`` steps per second, or as fast
        as the model goes (None)."""
        if self.playing or self.closed or self.finished:
            return
        self._stop, self._play_over = threading.Event(), threading.Event()
        self._player = threading.Thread(target=self._play_loop,
                                        args=(rate, self._stop, self._play_over),
                                        daemon=True, name=f"oe-player-{self.number}")
        self._player.start()
        self._mark_dirty()

    def pause(self, timeout: float = 5.0) -> None:
        """Stop the player thread (it finishes the step it is in)."""
        self._stop.set()
        player = self._player
        if player is not None and player is not threading.current_thread():
            player.join(timeout)
        self._mark_dirty()

    def _play_loop(self, rate: float | None, stop: threading.Event,
                   over: threading.Event) -> None:
        started, done = time.monotonic(), 0
        try:
            while not stop.is_set():
                with self._lock:
                    model = self.model
                    if model is None or not model.running:
                        break
                    model.step()
                done += 1
                self._mark_dirty()
                if self._snapshot_waiting.is_set():  # let the drawer in between two steps
                    time.sleep(0.002)
                if rate:
                    delay = started + done / rate - time.monotonic()
                    if delay > 0:
                        stop.wait(delay)
        except Exception as exc:  # shown on the page; the page and the session live on
            self.error = f"stepping failed: {type(exc).__name__}: {exc}"
        finally:
            over.set()
            self._mark_dirty()

    # ------------------------------------------------------------------ snapshots, drawing

    def snapshot(self, extra: tuple[str, ...] = ()) -> Snapshot:
        """Copies of the tables the views read, all of one step (taken under the lock)."""
        self._snapshot_waiting.set()
        try:
            with self._lock:
                model = self.model
                if model is None:
                    raise RuntimeError("the session is closed")
                tables = {"metrics": model.metrics_frame().copy(),
                          "strata": model.strata_frame().copy(),
                          "platforms": model.platforms_frame().copy(),
                          "interventions": model.interventions_frame().copy(),
                          "opinions": model.opinions_frame().copy()}
                nodes, edges = sample_frames(model.state, self.sample)
                tables["network_nodes"], tables["network_edges"] = nodes, edges
                if "lorenz" in extra:
                    tables["attention_lorenz"] = model.attention_lorenz_frame()
                schedule = tuple((item.name or item.type, item.start, item.end)
                                 for item in model.spec.interventions)
                return Snapshot(self.generation, int(model.steps), model.spec.run.steps,
                                bool(model.running), self.inputs, model.latest_metrics(),
                                self._initial, tables, self.layout.copy(), schedule)
        finally:
            self._snapshot_waiting.clear()

    def _mark_dirty(self) -> None:
        with self._wake:
            self._dirty = True
            self._wake.notify_all()

    def want(self, views) -> None:
        """Draw ``views`` from now on (e.g. those of the tab on screen)."""
        views = tuple(views)
        if views != self.views:
            self.views = views
            self._mark_dirty()

    def _draw_loop(self) -> None:
        """Until closed: whenever something changed, go through the views one by one; for
        each, take a fresh snapshot, publish the state it shows (the step counter moves at
        once) and redraw the view if its step changed. While playing, the views are thus
        each at most one drawing behind the model."""
        drawn: dict[str, tuple[int, int]] = {}  # view -> (generation, step) drawn
        while True:
            with self._wake:
                while not (self.closed or self._dirty):
                    self._wake.wait(timeout=1.0)
                if self.closed:
                    break
                self._dirty = False
            try:
                for name in self.views or (None,):  # None: no view, the state only
                    if self.closed:
                        break
                    snap = self.snapshot((name,))
                    if snap.generation != self._images_generation:
                        self._images, self._images_generation = {}, snap.generation
                    self._send(snap)
                    if name is not None and drawn.get(name) != (snap.generation, snap.step):
                        self._images = {**self._images, **draw_views(snap, (name,))}
                        drawn[name] = (snap.generation, snap.step)
                        self._send(snap)
            except Exception as exc:  # a view that cannot be drawn must not kill the page
                if self.closed:
                    break
                self.error = f"drawing failed: {type(exc).__name__}: {exc}"
                drawn.clear()
                self._send(None)
            if self.playing:
                time.sleep(self.MIN_DRAW_INTERVAL)
        self._drawer_done = True  # closed: the last of the session's threads ends here
        self._closed_log()

    def _send(self, snap: Snapshot | None) -> None:
        """Publish the frame of ``snap`` (None: the last one, with the current error), unless
        nothing visible changed."""
        if self.closed:
            return
        previous = self.frame
        if snap is None:
            if previous is None:
                return
            frame = replace(previous, error=self.error, playing=self.playing)
        else:
            frame = Frame(snap.generation, snap.step, snap.steps, not snap.running,
                          self.playing, snap.inputs, snap.latest, snap.initial,
                          self._images, self.error)
        if previous is not None and _same(previous, frame):
            return
        self.frame = frame
        if self.publish is not None:
            self.publish(frame)

    # ------------------------------------------------------------------ export, close

    def export(self) -> Path:
        """Write the resolved scenario and the tables so far to a new folder under
        ``results`` (``dashboard-<timestamp>``); return it."""
        with self._lock:
            model = self.model
            if model is None:
                raise RuntimeError("the session is closed")
            step, steps = int(model.steps), model.spec.run.steps
            resolved = model.spec.resolved()
            tables = {"metrics": model.metrics_frame().copy(),
                      "strata": model.strata_frame().copy(),
                      "platforms": model.platforms_frame().copy(),
                      "interventions": model.interventions_frame().copy(),
                      "opinions": model.opinions_frame().copy()}
        name = default_out("dashboard").name
        self.results.mkdir(parents=True, exist_ok=True)
        for k in itertools.count(1):  # a new folder, claimed by mkdir: never an existing one
            folder = self.results / (name if k == 1 else f"{name}-{k}")
            try:
                folder.mkdir()
                break
            except FileExistsError:
                continue
        write_resolved_scenario(folder / "scenario.yaml", resolved)
        for table, frame in tables.items():
            write_csv(folder / f"{table}.csv", frame)
        (folder / "README.txt").write_text(
            f"Exported from the opinion-ecology dashboard at step {step} of {steps}.\n"
            f"scenario.yaml is the resolved scenario (every default, the inputs, the seed);\n"
            f"the tables hold steps 0-{step}, as a run folder's do.\n"
            f"Rerun the same steps:  python run.py run {folder / 'scenario.yaml'} "
            f"--steps {step}\n"
            f"Run it to the end:     python run.py run {folder / 'scenario.yaml'}\n",
            encoding="utf-8")
        return folder

    def close(self) -> None:
        """Stop the threads and drop the model. Returns within the step in progress: a
        drawing in progress is abandoned, and the drawer thread, which publishes nothing
        once closed, ends after it and logs that the session is gone."""
        if self.closed:
            return
        with self._wake:
            self.closed = True
            self._wake.notify_all()
        self.pause(timeout=2.0)
        with self._lock:
            self.model = None
            self._images = {}
            self.frame = None
        self.publish = None
        self.log(f"session {self.number} closing")
        self._closed_log()

    def _closed_log(self) -> None:
        """Log once that the session is gone, when both its model and its drawer are."""
        with self._wake:
            if self._logged or self.model is not None or not self._drawer_done:
                return
            self._logged = True
        self.log(f"session {self.number} closed: threads stopped, model released "
                 f"({open_sessions()} open, {live_models()} models alive)")
