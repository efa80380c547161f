"""Figures: the data behind them (opinion histogram, Lorenz curve, network sample), each
figure function on small tables, `run.py run` writing them and `run.py plot` redrawing them."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.engine.metrics import Snapshot
from sim.engine.metrics.basic import gini
from sim.engine.metrics.distributions import (
    lorenz_curve,
    opinion_bin_centres,
    opinion_histogram,
)
from sim.engine.model import OpinionEcologyModel
from sim.engine.sampling import snowball_sample
from sim.views import run as plots
from sim.views.common import intervention_windows

from .conftest import ROOT, SCENARIOS, make_scenario

RUN_FIGURES = ("disorder", "metrics", "opinions", "platforms", "lorenz", "silence", "network")


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**__import__("os").environ, "MPLBACKEND": "Agg"})


def png_dpi(path) -> float:
    """Horizontal resolution recorded in a PNG's pHYs chunk (pixels per metre -> dpi)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at = data.index(b"pHYs")
    per_metre, _, unit = struct.unpack(">IIB", data[at + 4:at + 13])
    assert unit == 1
    return per_metre * 0.0254


# ----------------------------------------------------------------------------- data


class _Snap:
    def __init__(self, x):
        self.public_opinion = np.asarray(x, dtype=float)


def test_opinion_histogram_counts_bins_including_both_ends():
    x = [-1.0, -0.999, -0.95, 0.0, 0.049, 0.999, 1.0, 1.0]
    hist = opinion_histogram(_Snap(x))
    assert hist.shape == (40,) and hist.sum() == pytest.approx(1.0)
    counts = np.rint(hist * len(x)).astype(int)
    assert counts[0] == 2  # [-1, -0.95)
    assert counts[1] == 1  # -0.95 opens the second bin
    assert counts[20] == 2  # [0, 0.05)
    assert counts[39] == 3  # [0.95, 1], closed at 1
    assert opinion_bin_centres()[[0, 20, 39]] == pytest.approx([-0.975, 0.025, 0.975])


def test_lorenz_curve_endpoints_equality_and_gini():
    p, share = lorenz_curve(np.ones(50))
    assert p.size == 101 and share == pytest.approx(p)
    p, share = lorenz_curve(np.zeros(10))  # nobody attended: equality, as gini() says
    assert share == pytest.approx(p)
    values = np.zeros(200)
    values[-2:] = [3.0, 1.0]  # 1 % of 200 = 2 people hold everything
    p, share = lorenz_curve(values)
    assert share[0] == 0.0 and share[-1] == pytest.approx(1.0)
    assert share[99] == pytest.approx(0.0) and np.all(np.diff(share) >= -1e-15)
    rng = np.random.default_rng(5)
    values = rng.pareto(1.5, 10_000)
    p, share = lorenz_curve(values)
    assert 1.0 - 2.0 * np.trapezoid(share, p) == pytest.approx(gini(values), abs=0.01)
    top = np.sort(values)[-100:].sum() / values.sum()
    assert 1.0 - share[99] == pytest.approx(top)


def test_snowball_sample_is_connected_sized_and_restarts_when_exhausted():
    # two disjoint paths 0-1-2-3 and 4-5-6 (mutual follows)
    ties = {0: [1], 1: [0, 2], 2: [1, 3], 3: [2], 4: [5], 5: [4, 6], 6: [5]}
    indptr = np.cumsum([0] + [len(ties[i]) for i in range(7)])
    followees = np.concatenate([ties[i] for i in range(7)])
    rng = np.random.default_rng(0)
    assert snowball_sample(indptr, followees, 3, np.array([0]), rng).tolist() == [0, 1, 2]
    everything = snowball_sample(indptr, followees, 7, np.array([0]), rng)
    assert everything.tolist() == list(range(7))
    assert snowball_sample(indptr, followees, 100, np.array([6]), rng).size == 7


@pytest.fixture(scope="module")
def model():
    scenario = make_scenario(
        run={"steps": 12, "seed": 5},
        leaders={"count": 6, "selection": "random", "agenda": [-0.5, 0.5]},
        bots=[{"name": "b", "count": 20, "stance": 0.5, "volume": 2.0}],
        interventions=[{"type": "amplify_periphery", "start": 4, "end": 8, "strength": 1.0}])
    m = OpinionEcologyModel(scenario)
    m.run_for(12)
    return m


def test_model_records_the_public_opinion_histogram_every_step(model):
    frame = model.opinions_frame()
    assert list(frame["step"]) == list(range(13))
    assert frame.columns[1] == "-0.975" and frame.columns[-1] == "0.975"
    shares = frame.drop(columns="step").to_numpy()
    assert shares.sum(axis=1) == pytest.approx(np.ones(13))
    last = np.histogram(model.state.opinion[model.state.is_public], bins=40, range=(-1, 1))[0]
    assert shares[-1] == pytest.approx(last / model.state.n_public)
    metrics = model.metrics_frame()
    centres = np.array([float(c) for c in frame.columns[1:]])
    assert shares @ centres == pytest.approx(metrics["opinion_mean"], abs=0.025)


def test_attention_lorenz_agrees_with_the_recorded_metrics(model):
    lorenz = model.attention_lorenz_frame()
    assert list(lorenz.columns) == ["population_share", "attention_share"] and len(lorenz) == 101
    final = model.latest_metrics()
    curve = lorenz.to_numpy()
    gini_from_curve = 1.0 - 2.0 * np.trapezoid(curve[:, 1], curve[:, 0])
    assert gini_from_curve == pytest.approx(final["attention_gini"], abs=0.02)
    people = Snapshot(model.state, model.spec).people_attention.size
    k = max(1, int(np.ceil(0.01 * people)))
    top = 1.0 - np.interp(1.0 - k / people, curve[:, 0], curve[:, 1])
    assert top == pytest.approx(final["attention_top1_share"], abs=0.02)


def test_network_sample_is_deterministic_consistent_and_leaves_the_run_alone(model):
    nodes, edges = model.network_sample(120)
    again, again_edges = model.network_sample(120)
    assert len(nodes) == 120 and nodes["account"].is_unique
    # its own stream: a second draw differs, but a fresh model draws the first one again
    fresh = OpinionEcologyModel(model.spec)
    fresh.run_for(12)
    first, first_edges = fresh.network_sample(120)
    pd.testing.assert_frame_equal(first, nodes)
    pd.testing.assert_frame_equal(first_edges, edges)
    assert set(edges["reader"]) | set(edges["followee"]) <= set(nodes["account"])
    net = model.state.network
    for reader, followee in edges.head(50).itertuples(index=False):
        assert followee in net.followees[net.indptr[reader]:net.indptr[reader + 1]]
    assert set(nodes["role"]) <= {"public", "leader", "bot", "outlet"}
    assert (nodes["role"] == "leader").sum() >= 3  # the snowball starts at leaders
    row = nodes.iloc[0]
    assert row["opinion"] == model.state.opinion[row["account"]]
    # sampling draws from its own stream: the next step is the same as without sampling
    fresh.step()
    untouched = OpinionEcologyModel(model.spec)
    untouched.run_for(13)
    assert fresh.latest_metrics() == untouched.latest_metrics()
    assert len(again) == 120 and len(again_edges) > 0


# ----------------------------------------------------------------------------- figures


@pytest.fixture(scope="module")
def tables(model):
    nodes, edges = model.network_sample(80)
    return {"metrics": model.metrics_frame(), "strata": model.strata_frame(),
            "platforms": model.platforms_frame(), "interventions": model.interventions_frame(),
            "opinions": model.opinions_frame(), "attention_lorenz": model.attention_lorenz_frame(),
            "network_nodes": nodes, "network_edges": edges}


def test_intervention_windows_split_at_gaps():
    table = pd.DataFrame({"step": [0, 1, 2, 3, 4, 5] * 2,
                          "intervention": ["a"] * 6 + ["b"] * 6,
                          "active": [0, 1, 1, 0, 1, 0] + [0] * 6})
    assert intervention_windows(table) == [("a", 1, 2), ("a", 4, 4)]
    assert intervention_windows(None) == []


def test_disorder_figure_shades_interventions_and_names_them(tables):
    fig = plots.disorder_figure(tables["metrics"], "t", tables["interventions"])
    main, pressures, strip = fig.axes  # indices, the pressures beside them, interventions
    assert main.get_ylabel().startswith("index") and strip.get_xlabel() == "step"
    assert pressures.get_ylabel() == "pressures"
    drawn = [t.get_text() for t in pressures.get_legend().get_texts()]
    assert "bots' share of impressions" in drawn and "disorder index" not in drawn
    assert [t.get_text() for t in strip.get_yticklabels()] == ["amplify_periphery"]
    assert len(main.patches) == 1  # one shaded window: steps 5-8 (start 4, end 8)
    shade = main.patches[0]
    assert (shade.get_x(), shade.get_x() + shade.get_width()) == (4.0, 8.0)
    assert len(main.get_legend().get_texts()) == 4
    plain = plots.disorder_figure(tables["metrics"])
    assert len(plain.axes) == 2 and plain.axes[1].get_xlabel() == "step"
    indices_only = plots.disorder_figure(tables["metrics"][["step", "disorder_index"]])
    assert len(indices_only.axes) == 1 and indices_only.axes[0].get_xlabel() == "step"


def test_opinions_figure_is_a_heatmap_of_the_histogram(tables):
    fig = plots.opinions_figure(tables["opinions"], "t", tables["metrics"])
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "opinion")
    mesh = ax.collections[0]
    assert mesh.get_array().shape == (40, 13)
    assert "share of the public" in fig.axes[1].get_ylabel()  # the colour bar


def test_platforms_figure_stacks_to_one(tables):
    fig = plots.platforms_figure(tables["platforms"], "t")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "step" and "share of users" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["big", "small"]
    top = ax.collections[-1].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(1.0)


def test_lorenz_figure_reports_top_share_and_gini(tables):
    fig = plots.lorenz_figure(tables["attention_lorenz"], "t", top1_share=0.25, gini=0.5)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "25.0%" in texts and "Gini = 0.500" in texts
    fig = plots.lorenz_figure(pd.DataFrame({"population_share": [0, 0.99, 1],
                                            "attention_share": [0, 0.6, 1]}))
    assert "40.0%" in " ".join(t.get_text() for t in fig.axes[0].texts)


def test_silence_figure_has_one_line_per_stratum(tables):
    fig = plots.silence_figure(tables["strata"], "t", tables["interventions"])
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and ax.get_ylim() == (0.0, 1.0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["urban", "rural", "intervention active"]


def test_network_figure_draws_every_sampled_account_and_marks_roles(tables):
    nodes, edges = tables["network_nodes"], tables["network_edges"]
    fig = plots.network_figure(nodes, edges, "t")
    ax = fig.axes[0]
    points = sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets")
                 and c.get_offsets().ndim == 2 and c.get_offsets().shape[1] == 2
                 and type(c).__name__ == "PathCollection")
    assert points == len(nodes)
    labels = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert "opinion leader" in labels and "public" in labels
    layout = plots.network_layout(nodes, edges)
    assert np.array_equal(layout, plots.network_layout(nodes, edges))  # deterministic


def test_run_figures_skip_missing_tables(tables):
    names = [name for name, fig in plots.run_figures(tables, "t")]
    assert names == list(RUN_FIGURES)
    assert all(isinstance(fig, Figure) for _, fig in plots.run_figures(tables))
    partial = {"metrics": tables["metrics"]}
    assert [name for name, _ in plots.run_figures(partial)] == ["disorder", "metrics"]


# ----------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("plots") / "run"
    result = cli("run", SCENARIOS / "reorder_node.yaml", "--out", out, "--quiet",
                 "--set", "population.size=400", "--steps", "12",
                 "--set", "interventions.0.start=3", "--set", "interventions.0.end=8")
    assert result.returncode == 0, result.stderr
    return out


def test_run_writes_and_lists_every_file(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    listed = set(summary["files"])
    on_disk = {p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()}
    assert listed == on_disk
    for name in RUN_FIGURES:
        assert f"figures/{name}.png" in listed
        assert png_dpi(run_dir / "figures" / f"{name}.png") == pytest.approx(300, abs=0.5)
    for name in ("opinions.csv", "attention_lorenz.csv", "network_sample/nodes.csv",
                 "network_sample/edges.csv"):
        assert name in listed
    header = (run_dir / "opinions.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "step" and len(header) == 41 and header[1] == "-0.975"
    assert (run_dir / "network_sample" / "nodes.csv").read_text().startswith(
        "account,opinion,role,stratum,platform,followers,expressing\n")
    assert (run_dir / "network_sample" / "edges.csv").read_text().startswith("reader,followee\n")
    lorenz = pd.read_csv(run_dir / "attention_lorenz.csv")
    assert len(lorenz) == 101 and lorenz["attention_share"].iloc[-1] == pytest.approx(1.0)
    assert len(pd.read_csv(run_dir / "network_sample" / "nodes.csv")) == 300


def test_plot_redraws_a_run_folder_from_its_files(run_dir):
    figures = run_dir / "figures"
    for path in figures.glob("*.png"):
        path.unlink()
    result = cli("plot", run_dir, "--dpi", "100")
    assert result.returncode == 0, result.stderr
    for name in RUN_FIGURES:
        assert png_dpi(figures / f"{name}.png") == pytest.approx(100, abs=0.5)
    result = cli("plot", run_dir, "--format", "svg")
    assert result.returncode == 0, result.stderr
    for name in RUN_FIGURES:
        text = (figures / f"{name}.svg").read_text()
        assert "<svg" in text[:1000], name
    assert result.stdout.count("-> ") == len(RUN_FIGURES)
    assert not list(run_dir.rglob("*.tmp"))


def test_plot_refuses_a_folder_that_is_neither_run_nor_sweep(tmp_path, run_dir):
    (tmp_path / "metrics.csv").write_text("step\n0\n")  # no summary.json: not a run folder
    for folder in (tmp_path, tmp_path / "missing"):
        result = cli("plot", folder)
        assert result.returncode == 2
        assert result.stderr.strip().splitlines() == [
            f"error: {folder}: neither a run folder (metrics.csv and summary.json) nor a "
            f"sweep folder (runs.parquet and sweep.resolved.yaml)"]
        assert "Traceback" not in result.stderr
    result = cli("plot", run_dir, "--x", "gamma")
    assert result.returncode == 2 and "applies to sweep folders" in result.stderr


def test_plot_still_draws_sweep_folders(tmp_path):
    from sim.runs.sweep import load_sweep, resolved_text, run_sweep

    sweep = tmp_path / "tiny.yaml"
    sweep.write_text(f"""name: tiny
base: {SCENARIOS / 'baseline.yaml'}
set: [population.size=200, run.steps=4]
parameters:
  - {{name: gamma, path: platforms.0.gamma, values: [0.0, 1.5]}}
design: {{kind: grid}}
replicates: 1
seed: 3
keep: {{metrics: [disorder_index]}}
""")
    spec, base = load_sweep(sweep)
    out = tmp_path / "out"
    run_sweep(spec, base, out)
    (out / "sweep.resolved.yaml").write_text(resolved_text(spec))
    result = cli("plot", out)
    assert result.returncode == 0, result.stderr
    assert png_dpi(out / "figures" / "disorder_index_window_mean.png") == pytest.approx(150,
                                                                                       abs=0.5)
    result = cli("plot", out, "--metric", "disorder_index_final", "--format", "pdf")
    assert result.returncode == 0, result.stderr
    assert (out / "figures" / "disorder_index_final.pdf").read_bytes()[:4] == b"%PDF"


def test_runs_figure_draws_one_line_per_run_and_panel_per_metric(tables):
    other = tables["metrics"].assign(disorder_index=lambda f: f["disorder_index"] * 0.5)
    fig = plots.runs_figure({"a": tables["metrics"], "b": other},
                            ["disorder_index", "attention_top1_share"],
                            tables["interventions"], title="t", ylim=(0, 1), ylabel="index")
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert len(ax.lines) == 2 and ax.get_xlabel() == "step" and len(ax.patches) == 1
    assert fig.axes[0].get_ylabel() == "index"
    assert np.allclose(fig.axes[0].lines[1].get_ydata(), other["disorder_index"])
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["a", "b"]


def test_network_figure_draws_a_fixed_subset_of_a_dense_sample():
    nodes = pd.DataFrame({"account": range(120), "opinion": np.linspace(-1, 1, 120),
                          "role": "public", "followers": 119, "expressing": 1})
    pairs = [(a, b) for a in range(120) for b in range(120) if a != b]  # complete: 14,280
    edges = pd.DataFrame(pairs, columns=["reader", "followee"])
    fig = plots.network_figure(nodes, edges)
    lines = [c for c in fig.axes[0].collections if type(c).__name__ == "LineCollection"]
    assert len(lines) == 1 and len(lines[0].get_segments()) == plots.MAX_DRAWN_TIES
    assert "14,280 follow ties" in fig.axes[0].get_title()
