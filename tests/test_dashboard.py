"""The dashboard: the scenario behind its inputs, its inputs' checks, its session (threads,
snapshots, export, cleanup), and the page end to end in a browser (the Makefile's own
``make dashboard`` command on a free loopback port, driven in headless Debian chromium).

The browser tests skip, saying why, only when no chromium is installed; .ci/run installs
it and sets OE_REQUIRE_CHROMIUM=1, which turns that skip into a failure."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine.model import OpinionEcologyModel
from sim.engine.scenarios import load_scenario
from sim.face import session as sessions
from sim.face.session import Inputs, Session, parse_field, parse_inputs
from sim.runs import power_levels

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
# fields that differ between a dashboard scenario and a scenario file without meaning
_LABELS = ("name", "description")


def _normalised(scenario) -> dict:
    data = scenario.resolved()
    for key in _LABELS:
        data.pop(key)
    # cycled to the ten leaders the files have at their own size (leaders are per-capita)
    data["leaders"]["agenda"] = scenario.leaders.agendas(10).tolist()
    data["population"]["size"] = 0
    data["run"] = {}
    return data


@pytest.mark.parametrize("sliders, file", [
    ({}, "baseline.yaml"),
    ({"technology": 1.0}, "tech_imbalance.yaml"),
    ({"market": 1.0}, "market_imbalance.yaml"),
    ({"social": 1.0}, "social_imbalance.yaml"),
    ({"technology": 1.0, "market": 1.0, "social": 1.0}, "all_imbalances.yaml"),
])
def test_power_sliders_at_their_ends_are_the_scenario_files(sliders, file):
    built = power_levels.power_scenario(seed=3, population=1000, **sliders)
    assert built.population.size == 1000 and built.run.seed == 3
    assert _normalised(built) == _normalised(load_scenario(SCENARIOS / file))


def test_power_sliders_interpolate_between_the_files():
    half = power_levels.power_scenario(technology=0.5, market=0.25, social=0.75)
    assert [p.gamma for p in half.platforms[:3]] == [0.5, 0.5, 0.5]
    assert half.population.strata[3].tech_access == pytest.approx(0.5 * 0.5 + 0.5 * 0.22)
    assert half.leaders.reach == pytest.approx(6.0)
    assert half.bots[0].share == pytest.approx(0.01) and half.bots[0].stance == 0.5
    assert half.dynamics.competition.eta == pytest.approx(1.15)
    assert half.platforms[0].traffic_weight == pytest.approx(0.2)
    assert half.population.centre_periphery == pytest.approx(0.675)
    assert half.dynamics.follows.rate == pytest.approx(0.225)
    # the sliders move disjoint fields, so they combine without overriding each other
    maps = [set(power_levels.power_parameter(p)[0].map) for p in power_levels.POWERS]
    assert not (maps[0] & maps[1] or maps[0] & maps[2] or maps[1] & maps[2])
    with pytest.raises(ValueError, match="technology imbalance must be in"):
        power_levels.power_overrides(technology=1.5)


@pytest.mark.parametrize("toggle, file", sorted(power_levels.COMPENSATIONS.items()))
def test_compensation_toggles_add_the_reorder_interventions(toggle, file):
    reorder = load_scenario(SCENARIOS / file)
    built = power_levels.power_scenario(**{toggle: True, "compensation_start": 30})
    assert [i.type for i in built.interventions] == [i.type for i in reorder.interventions]
    for mine, theirs in zip(built.interventions, reorder.interventions, strict=True):
        assert mine.start == 30 and theirs.start == 100  # moved, windows kept
        assert (mine.end is None) == (theirs.end is None)
        if mine.end is not None:
            assert mine.end - mine.start == theirs.end - theirs.start
        assert mine.strength == theirs.strength
    names = [p.name for p in built.platforms]
    assert names[:4] == ["platform_a", "platform_b", "platform_c", "mainstream_app"]
    if toggle == "platform_performance":  # the closed public platform it opens
        assert names[4:] == ["public_square"] and built.platforms[4].share == 0
    else:
        assert names[4:] == []
    assert power_levels.power_scenario().interventions == []


# --------------------------------------------------------------------------- inputs


def test_every_bad_input_gets_a_message_and_nothing_raises():
    drafts = sessions.default_drafts()
    assert parse_inputs(drafts) == (Inputs(), {})
    for name, text, words in [
        ("seed", "abc", "seed must be a whole number >= 0; got 'abc'"),
        ("seed", "-1", "seed must be a whole number >= 0; got '-1'"),
        ("seed", "²", "seed must be a whole number"),  # isdigit() but not a digit for int()
        ("seed", "1" * 19, "seed must be a whole number"),
        ("population", "100", "from 500 to 20,000; got 100"),
        ("population", "2.5e3", "a whole number from 500 to 20,000"),
        ("technology", "1.5", "from 0 to 1; got 1.5"),
        ("technology", "nan", "from 0 to 1"),
        ("market", "", "a number from 0 to 1; got ''"),
        ("steps", "0", "from 1 to 2,000"),
    ]:
        inputs, errors = parse_inputs({**drafts, name: text})
        assert inputs is None and list(errors) == [name], (name, text)
        assert errors[name].startswith(words) or words in errors[name], errors[name]
    assert parse_field("population", " 20,000 ") == 20_000
    assert parse_field("population", "2_000") == 2000
    inputs, errors = parse_inputs({**drafts, "node_empowerment": True, "steps": "40",
                                   "compensation_start": "40"})
    assert inputs is None and "compensation would never act" in errors["compensation_start"]
    inputs, _ = parse_inputs({**drafts, "technology": "0.35", "node_empowerment": True,
                              "steps": "60", "compensation_start": "20", "seed": "7"})
    assert inputs == Inputs(technology=0.35, node_empowerment=True, steps=60,
                            compensation_start=20, seed=7)
    assert sessions.default_drafts(inputs)["technology"] == "0.35"
    assert "node empowerment from step 21" in inputs.describe()


def test_an_input_this_machine_cannot_hold_is_refused_at_its_field(monkeypatch):
    monkeypatch.setattr("sim.runs.resources.available_bytes", lambda: 1e6)
    scenario, errors = sessions.checked_scenario(Inputs())
    assert scenario is None and list(errors) == ["population"]
    assert "of memory" in errors["population"] and "lower population.size" in errors["population"]


# --------------------------------------------------------------------------- the session


def _tables_agree(snap) -> None:
    rows = snap.step + 1
    tables = snap.tables
    assert len(tables["metrics"]) == rows and tables["metrics"]["step"].iloc[-1] == snap.step
    assert len(tables["strata"]) == 4 * rows and len(tables["opinions"]) == rows
    assert len(tables["platforms"]) == len(tables["platforms"]["platform"].unique()) * rows
    groups = len(snap.schedule)
    assert len(tables["interventions"]) == groups * rows
    assert len(tables["network_nodes"]) == sessions.NETWORK_SAMPLE_SIZE


def test_threaded_play_gives_consistent_snapshots_and_stops_at_run_steps():
    """The old page crashed in 3 of 5 threaded plays (a figure read the buffers while a step
    wrote them). Here snapshots are taken as fast as possible while the player steps as
    fast as it can and the drawer draws: every table of a snapshot has the same steps."""
    frames = []
    session = Session(Inputs(population=600, steps=120, technology=1.0, node_empowerment=True,
                             compensation_start=10), publish=frames.append)
    try:
        session.play(None)
        seen = set()
        while session.playing:
            snap = session.snapshot()
            _tables_agree(snap)
            seen.add(snap.step)
        assert session.model.steps == 120 and session.finished and session.error is None
        assert len(seen) > 5  # snapshots came between steps, not only before and after
        assert session.step(1) == 0  # nothing runs past run.steps
        session.play(None)
        assert not session.playing
        deadline = time.monotonic() + 30

        def done():
            return frames and frames[-1].step == 120 and len(frames[-1].images) == 5

        while not done() and time.monotonic() < deadline:
            time.sleep(0.05)
        last = frames[-1]
        assert last.step == 120 and last.finished and not last.playing
        assert set(last.images) == set(sessions.MAIN_VIEWS)
        assert all(image[:8] == b"\x89PNG\r\n\x1a\n" for image in last.images.values())
    finally:
        session.close()


def test_apply_keeps_stepping_deterministic_and_export_replays(tmp_path):
    session = Session(Inputs(population=500, steps=30), results=tmp_path)
    try:
        session.apply(Inputs(population=600, steps=30, social=0.5, seed=5,
                             symbol_connection=True, compensation_start=2))
        assert session.generation == 2 and session.model.state.n == 600
        assert session.step(4) == 4
        folder = session.export()
        assert folder.parent == tmp_path and folder.name.startswith("dashboard-")
        assert sorted(p.name for p in folder.iterdir()) == [
            "README.txt", "interventions.csv", "metrics.csv", "opinions.csv",
            "platforms.csv", "scenario.yaml", "strata.csv"]
        assert "--steps 4" in (folder / "README.txt").read_text()
        assert session.export() != folder  # a second export never overwrites the first
        replay = OpinionEcologyModel(load_scenario(folder / "scenario.yaml"))
        replay.run_for(4)
        exported = pd.read_csv(folder / "metrics.csv")
        pd.testing.assert_frame_equal(exported, replay.metrics_frame(), check_dtype=False)
    finally:
        session.close()


def test_close_stops_the_threads_and_frees_the_model():
    session = Session(Inputs(population=500, steps=2000))
    session.play(5.0)
    time.sleep(0.3)
    assert session.playing
    started = time.monotonic()
    session.close()
    assert time.monotonic() - started < 3.0
    assert not session.playing and session.model is None
    deadline = time.monotonic() + 10
    while any(t.name == f"oe-drawer-{session.number}" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the drawer thread did not stop"
        time.sleep(0.05)
    assert sessions.live_models() == 0


# --------------------------------------------------------------------------- the page


def test_the_page_module_sets_a_private_server_and_the_old_path_still_serves_it(monkeypatch):
    dashboard = pytest.importorskip("sim.face.dashboard", reason="the dashboard extra is not "
                                    "installed (pip install -e '.[dashboard]')")
    import solara.server.settings as settings

    import sim.dashboard

    assert sim.dashboard.Page is dashboard.Page
    for variable in ("SOLARA_KERNEL_CULL_TIMEOUT", "SOLARA_TELEMETRY_MIXPANEL_ENABLE",
                     "SOLARA_THEME_SHOW_BANNER", "SOLARA_THEME_TITLE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(settings.kernel, "cull_timeout", "24h")
    monkeypatch.setattr(settings.telemetry, "mixpanel_enable", True)
    monkeypatch.setattr(settings.theme, "show_banner", True)
    monkeypatch.setattr(settings.theme, "title", "Solara")
    dashboard.server_defaults()
    assert settings.kernel.cull_timeout == dashboard.CULL_TIMEOUT == "5s"
    assert settings.telemetry.mixpanel_enable is False and settings.theme.show_banner is False
    monkeypatch.setenv("SOLARA_KERNEL_CULL_TIMEOUT", "1m")  # the environment wins
    monkeypatch.setattr(settings.kernel, "cull_timeout", "1m")
    dashboard.server_defaults()
    assert settings.kernel.cull_timeout == "1m"



CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update"]
VIEWPORT = {"width": 1400, "height": 900}
MAIN_VIEWS = ("disorder", "opinions", "network", "silence", "platforms")


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = ("chromium is not installed, so the dashboard is not tested in a browser "
                   "(apt-get install chromium; .ci/run installs it)")
        if os.environ.get("OE_REQUIRE_CHROMIUM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_dashboard_command(port: int) -> tuple[dict[str, str], list[str]]:
    """The Makefile's ``dashboard`` recipe, run with this interpreter on ``port``: (the
    environment it sets, the command)."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^dashboard:.*\n\t(.+)$", text, re.MULTILINE).group(1)
    words = shlex.split(recipe)
    env = {}
    while re.fullmatch(r"[A-Z_]+=.*", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    assert words[0] == ".venv/bin/solara" and words[1] == "run", recipe
    assert "--production" in words and words[words.index("--host") + 1] == "127.0.0.1"
    assert env.get("SOLARA_TELEMETRY_MIXPANEL_ENABLE") == "false"
    assert env.get("SOLARA_KERNEL_CULL_TIMEOUT")
    words[words.index("--port") + 1] = str(port)
    return env, [sys.executable, "-m", "solara", *words[1:], "--no-open"]


class Server:
    """The dashboard server: its URL, process, log and export folder."""

    def __init__(self, url, proc, log, results):
        self.url, self.proc, self.log, self.results = url, proc, log, results

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def wait_log(self, pattern: str, timeout: float, after: int = 0) -> re.Match:
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.log_text()[after:])
            if found:
                return found
            if time.monotonic() > deadline:
                pytest.fail(f"no {pattern!r} in the server log:\n{self.log_text()[-3000:]}")
            time.sleep(0.2)


@contextlib.contextmanager
def running_dashboard(results: Path):
    """``make dashboard``'s command on a free loopback port, until the block ends."""
    port = _free_port()
    settings, command = make_dashboard_command(port)
    env = {**os.environ, **settings, "MPLBACKEND": "Agg", "OE_DASHBOARD_RESULTS": str(results)}
    log = tempfile.NamedTemporaryFile("w+b", suffix=".log")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard server did not answer at {url}:\n"
                                   f"{Path(log.name).read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield Server(url, proc, log, results)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("sim.face.dashboard", reason="the dashboard extra is not installed "
                        "(pip install -e '.[dashboard]')")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    _chromium()
    with running_dashboard(tmp_path_factory.mktemp("exports")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(server, tmp_path_factory):
    """Headless Debian chromium, recording every request any page makes."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a redraw of the views takes about a second
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("profile")), executable_path=_chromium(),
            args=CHROMIUM_FLAGS, viewport=VIEWPORT)
        context.requests = []
        context.on("request", lambda request: context.requests.append(request.url))
        try:
            yield context
        finally:
            context.close()


def _open(browser, server):
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.goto(server.url)
    expect(page.locator(".oe-step")).to_have_text("step 0 of 200", timeout=60_000)
    for name in MAIN_VIEWS:
        expect(page.locator(f"img.oe-view-{name}")).to_be_visible()
    return page


def _sources(page) -> dict[str, str]:
    return {name: page.locator(f"img.oe-view-{name}").get_attribute("src")
            for name in MAIN_VIEWS}


def _click(page, css: str) -> None:
    page.locator(css).click()


def _enter(page, name: str, text: str, shown: str | None = None) -> None:
    """Type ``text`` into input ``name`` and press Enter, then wait until the server shows
    it has the value: the field is marked pending (or ``shown``, a CSS selector, is
    visible). A fill that lands while the page re-renders after an Apply or a reload can
    be lost on a loaded machine (seen in CI): it is typed again, at most twice."""
    from playwright.sync_api import expect

    box = page.locator(f".oe-input-{name} input")
    for attempt in range(3):
        box.fill(text)
        box.press("Enter")
        target = (page.locator(shown) if shown else
                  page.locator(f".oe-field-{name}.oe-pending"))
        try:
            expect(target).to_be_visible(timeout=10_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def _assert_on_this_host(browser) -> None:
    """Every request the browser made so far went to the dashboard's loopback address."""
    hosts = {urllib.parse.urlsplit(url).hostname for url in browser.requests
             if not url.startswith(("data:", "blob:"))}
    assert hosts == {"127.0.0.1"}, sorted(browser.requests)[:20]


@pytest.mark.slow
def test_the_page_orients_shows_every_view_in_one_screen_and_stays_on_this_host(browser,
                                                                               server):
    from playwright.sync_api import expect

    page = _open(browser, server)
    try:
        assert page.title() == "opinion-ecology dashboard"
        expect(page.get_by_text("This website runs on")).to_have_count(0)  # no badge
        expect(page.locator(".oe-howto")).to_contain_text("Apply & reset")
        expect(page.locator(".oe-what")).to_contain_text("power shape online public opinion")
        tabs = [t.strip() for t in page.locator(".v-tab").all_inner_texts()]
        assert [t.lower() for t in tabs] == ["views", "every metric", "about"]
        panel = page.locator(".oe-indices")
        expect(panel).to_contain_text("0 (the balanced ideal)")
        for label in ("Disorder index", "Content disorder", "Platform disorder",
                      "Pattern disorder"):
            expect(panel).to_contain_text(label)
        # the five views and the legend panel fit in 1400 x 900, without scrolling
        for css in [f"img.oe-view-{name}" for name in MAIN_VIEWS] + [".oe-indices"]:
            box = page.locator(css).bounding_box()
            assert box["width"] > 250 and box["height"] > 250, (css, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORT["width"] + 1, css
            assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"] + 1, css
        assert page.evaluate("document.scrollingElement.scrollHeight") <= VIEWPORT["height"]
        # every input shows its value, and explains itself
        for name in ("technology", "market", "social", "compensation_start", "population"):
            expect(page.locator(f".oe-field-{name} .v-slider")).to_be_visible()
            expect(page.locator(f".oe-input-{name} input")).to_be_visible()
        assert page.locator(".oe-field .mdi-information-outline").count() >= 10

        before = _sources(page)
        for k in range(1, 4):
            _click(page, ".oe-step-button")
            expect(page.locator(".oe-step")).to_have_text(f"step {k} of 200")
        for name in MAIN_VIEWS:  # each view is redrawn after the counter moved
            expect(page.locator(f"img.oe-view-{name}")).not_to_have_attribute(
                "src", before[name])
        target = os.environ.get("OE_DASHBOARD_SCREENSHOT")  # docs/figures/dashboard.png
        page.screenshot(path=target or str(server.results / "dashboard.png"))

        _click(page, ".v-tab:has-text('Every metric')")
        expect(page.locator("img.oe-view-metrics")).to_be_visible(timeout=30_000)
        expect(page.locator("img.oe-view-lorenz")).to_be_visible()
        _click(page, ".v-tab:has-text('About')")
        expect(page.locator(".oe-about")).to_contain_text("The model")
    finally:
        page.close()
    _assert_on_this_host(browser)


@pytest.mark.slow
def test_bad_inputs_are_explained_in_place_and_reset_keeps_the_model(browser, server):
    from playwright.sync_api import expect

    page = _open(browser, server)
    try:
        for _ in range(2):
            _click(page, ".oe-step-button")
        expect(page.locator(".oe-step")).to_have_text("step 2 of 200")
        for text in ("abc", "-1"):
            message = f"seed must be a whole number >= 0; got '{text}'"
            _enter(page, "seed", text,
                   shown=f".oe-error-seed:text-is(\"{message}\")")
            expect(page.locator(".oe-error-seed")).to_have_text(message)
            expect(page.locator(".oe-field-seed")).to_have_class(re.compile("oe-pending"))
            _click(page, ".oe-apply")
            expect(page.locator(".oe-message")).to_contain_text("Not applied")
            expect(page.locator(".oe-step")).to_have_text("step 2 of 200")  # model kept
            expect(page.locator("img.oe-view-disorder")).to_be_visible()  # the page too
        _enter(page, "population", "100", shown=".oe-error-population")
        expect(page.locator(".oe-error-population")).to_contain_text("from 500 to 20,000")

        # a slider: its value shows in the box beside it, marked pending until applied
        thumb = page.locator(".oe-field-technology [role=slider]")
        thumb.focus()
        thumb.press("End")
        expect(page.locator(".oe-input-technology input")).to_have_value("1")
        expect(page.locator(".oe-field-technology")).to_have_class(re.compile("oe-pending"))
        expect(page.locator(".oe-pending-list")).to_contain_text("Technology power imbalance")
        _click(page, ".oe-field-node_empowerment label")
        expect(page.locator(".oe-field-node_empowerment")).to_have_class(
            re.compile("oe-pending"))
        expect(page.locator(".oe-built-from")).to_contain_text("technology 0, market 0")

        _enter(page, "population", "2000", shown=".oe-field-population:not(:has(.oe-error-text))")
        _enter(page, "seed", "7")
        expect(page.locator(".oe-error-text")).to_have_count(0)
        _click(page, ".oe-apply")
        expect(page.locator(".oe-step")).to_have_text("step 0 of 200")
        built = page.locator(".oe-built-from")
        expect(built).to_contain_text("technology 1, market 0")
        expect(built).to_contain_text("node empowerment from step 51")
        expect(built).to_contain_text("seed 7")
        expect(page.locator(".oe-pending")).to_have_count(0)
    finally:
        page.close()


@pytest.mark.slow
def test_threaded_play_draws_while_stepping_then_stops_at_run_steps(browser, server):
    """Play steps in a thread while the drawer thread draws the views from snapshots of the
    same model. The issue's 30 s of threaded play are 8 s here, at the default 10 steps/s:
    some 80 steps and several redraws racing them, through the page (the unit test
    ``test_threaded_play_gives_consistent_snapshots_and_stops_at_run_steps`` races a
    snapshot against every step of a full-speed play). Then a short run to its end."""
    from playwright.sync_api import expect

    page = _open(browser, server)
    try:
        _enter(page, "steps", "2000")
        _click(page, ".oe-apply")
        expect(page.locator(".oe-step")).to_have_text("step 0 of 2000")
        _click(page, ".oe-play-button")
        expect(page.locator(".oe-state")).to_have_text("playing")
        # at least 8 s of play, then until 30 steps and 4 redraws (a loaded machine steps
        # and draws slower; the bound is a hang guard, not a speed test)
        images, started = set(), time.monotonic()
        while time.monotonic() - started < 120:
            images.add(page.locator("img.oe-view-disorder").get_attribute("src"))
            shown = int(re.search(r"step (\d+)", page.locator(".oe-step").inner_text())[1])
            if time.monotonic() - started >= 8 and shown >= 30 and len(images) >= 4:
                break
            time.sleep(0.2)
        assert page.locator(".oe-error").count() == 0
        _click(page, ".oe-play-button")
        expect(page.locator(".oe-state")).to_have_text("paused")
        reached = int(re.search(r"step (\d+)", page.locator(".oe-step").inner_text())[1])
        assert reached >= 30 and len(images) >= 4, (reached, len(images))
        assert page.locator(".oe-error").count() == 0

        _enter(page, "steps", "30")
        expect(page.locator(".oe-pending")).to_have_count(1)  # the server has the new value
        _click(page, ".oe-apply")
        expect(page.locator(".oe-step")).to_have_text("step 0 of 30")
        _click(page, ".oe-run-button")
        expect(page.locator(".oe-step")).to_have_text("step 30 of 30")
        expect(page.locator(".oe-notice")).to_contain_text("30 steps (run.steps) are done")
        expect(page.locator(".oe-state")).to_have_text("finished")
        for css in (".oe-step-button", ".oe-run-button", ".oe-play-button"):
            expect(page.locator(css)).to_be_disabled()
    finally:
        page.close()


@pytest.mark.slow
def test_export_saves_a_scenario_that_reruns_to_the_same_metrics(browser, server):
    from playwright.sync_api import expect

    page = _open(browser, server)
    try:
        for k in range(1, 4):
            _click(page, ".oe-step-button")
            expect(page.locator(".oe-step")).to_have_text(f"step {k} of 200")
        _click(page, ".oe-export-button")
        message = page.locator(".oe-message")
        expect(message).to_contain_text("Exported to")
        expect(message).to_contain_text("--steps 3")
        folder = Path(re.search(r"Exported to (\S+)/:", message.inner_text())[1])
    finally:
        page.close()
    assert folder.parent == server.results
    replay = OpinionEcologyModel(load_scenario(folder / "scenario.yaml"))
    replay.run_for(3)
    exported = pd.read_csv(folder / "metrics.csv")
    assert list(exported["step"]) == [0, 1, 2, 3]
    np.testing.assert_allclose(exported.drop(columns="step").to_numpy(),
                               replay.metrics_frame().drop(columns="step").to_numpy(),
                               rtol=0, atol=1e-12)


@pytest.mark.slow
def test_a_closed_or_reloaded_tab_stops_its_model(browser, server):
    """A reload during play (the page's close message ends its session at once), then a
    close during play with that message suppressed (as when a browser dies: only the
    websocket drops, and Solara culls the kernel after SOLARA_KERNEL_CULL_TIMEOUT, 5 s in
    the Makefile): each session's threads stop and its model is freed within seconds, and
    the server goes back to idle."""
    from playwright.sync_api import expect

    mark = len(server.log_text())
    page = _open(browser, server)
    first = server.wait_log(r"session (\d+) opened", 10, after=mark).group(1)

    def play_big():
        _enter(page, "population", "20000")
        _enter(page, "steps", "2000")
        _click(page, ".oe-apply")
        expect(page.locator(".oe-step")).to_have_text("step 0 of 2000", timeout=60_000)
        _click(page, ".oe-run-button")
        expect(page.locator(".oe-step")).not_to_have_text("step 0 of 2000", timeout=30_000)

    play_big()
    busy, waited = server.cpu_seconds(), time.monotonic()
    while server.cpu_seconds() - busy < 0.5 and time.monotonic() - waited < 30:
        time.sleep(0.2)
    assert server.cpu_seconds() - busy >= 0.5  # it is running
    mark = len(server.log_text())
    page.reload()
    server.wait_log(rf"session {first} closed: threads stopped, model released", 15)
    expect(page.locator(".oe-step")).to_have_text("step 0 of 200", timeout=60_000)
    second = server.wait_log(r"session (\d+) opened", 10, after=mark).group(1)
    play_big()
    page.evaluate("navigator.sendBeacon = () => true")  # no close message: culling only
    closed = time.monotonic()
    page.close()
    found = server.wait_log(rf"session {second} closed: threads stopped, model released "
                            r"\((\d+) open, (\d+) models alive\)", 20)
    assert time.monotonic() - closed > 3.0  # culled after the timeout, not closed at once
    assert found.groups() == ("0", "0"), found.group(0)  # every tab's model is gone
    time.sleep(1.0)
    idle = server.cpu_seconds()
    time.sleep(2.0)
    used = server.cpu_seconds() - idle
    assert used < 0.2, f"the server used {used:.2f} s of CPU in 2 s with no tab open"
    _assert_on_this_host(browser)  # the last test: all of the module's pages


# --------------------------------------------------------------------------- docs


def take_screenshot(path: str, step: int = 80) -> None:
    """docs/figures/dashboard.png: the page at 1400 x 900, a technology imbalance with node
    empowerment from step 21, played to ``step``. Run: python tests/test_dashboard.py PATH"""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    with (tempfile.TemporaryDirectory() as results, running_dashboard(Path(results)) as server,
          sync_playwright() as pw):
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.set_default_timeout(30_000)
        page.goto(server.url)
        expect(page.locator(".oe-step")).to_have_text("step 0 of 200", timeout=60_000)
        for name, text in (("technology", "1"), ("social", "0.5"),
                           ("compensation_start", "20")):
            _enter(page, name, text)
        page.locator(".oe-field-node_empowerment label").click()
        expect(page.locator(".oe-pending")).to_have_count(4)
        page.locator(".oe-apply").click()
        expect(page.locator(".oe-pending")).to_have_count(0)
        expect(page.locator(".oe-built-from")).to_contain_text("technology 1")
        page.locator(".oe-play-button").click()
        expect(page.locator(".oe-state")).to_have_text("playing")
        deadline = time.monotonic() + 120
        while int(re.search(r"step (\d+)", page.locator(".oe-step").inner_text())[1]) < step:
            assert time.monotonic() < deadline, "the run did not reach its step"
            time.sleep(0.1)
        page.locator(".oe-play-button").click()
        expect(page.locator(".oe-state")).to_have_text("paused")
        time.sleep(6)  # every view redrawn at the last step
        _enter(page, "seed", "7")  # one pending input, to show the mark
        expect(page.locator(".oe-pending")).to_have_count(1)
        page.screenshot(path=path)
        browser.close()
    from PIL import Image  # 256 colours: a third of the size, no visible loss

    Image.open(path).convert("RGB").quantize(256, dither=Image.Dither.NONE).save(path,
                                                                                   optimize=True)


if __name__ == "__main__":
    take_screenshot(sys.argv[1])
