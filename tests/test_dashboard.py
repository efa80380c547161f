"""The dashboard (sim/face/dashboard.py): the scenario behind its inputs, and end to end in a
browser (the Solara server on a free loopback port, driven in headless Debian chromium).

The end-to-end test skips, saying why, only when no chromium is installed; .ci/run
installs it and sets OE_REQUIRE_CHROMIUM=1, which turns that skip into a failure."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from sim.engine.scenarios import load_scenario
from sim.runs import power_levels

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
# fields that differ between a dashboard scenario and a scenario file without meaning
_LABELS = ("name", "description")

dashboard = pytest.importorskip("sim.face.dashboard", reason="the dashboard extra is not installed "
                                "(pip install -e '.[dashboard]')")


def _normalised(scenario) -> dict:
    data = scenario.resolved()
    for key in _LABELS:
        data.pop(key)
    data["leaders"]["agenda"] = scenario.leaders.agendas().tolist()  # the list is cycled
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
    assert half.bots[0].count == 100 and half.bots[0].stance == 0.5
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


def test_dashboard_model_builds_runs_and_draws():
    model = dashboard.DashboardModel(technology=1.0, social=1.0, node_empowerment=True,
                                     compensation_start=1, population=500, rng="7")
    assert model.seed == 7 and model.state.n == 500 and len(model.interventions) == 3
    sample, layout = model.sample.copy(), model.sample_layout.copy()
    assert sample.size == dashboard.NETWORK_SAMPLE_SIZE and layout.shape == (sample.size, 2)
    leaders = model.state.is_leader
    assert leaders[sample].sum() == leaders.sum()  # leaders start the sample
    model.run_for(3)
    assert np.array_equal(model.sample, sample) and np.array_equal(model.sample_layout, layout)
    assert dashboard.readout(model).startswith("step 3: disorder_index ")
    assert "technology 1.0, market 0.0, social 1.0" in dashboard.built_from(model)
    assert "node empowerment from step 2" in dashboard.built_from(model)
    for figure in (dashboard.platforms_figure(model.platforms_frame()),
                   dashboard.network_figure(model)):
        assert figure.axes
    with pytest.raises(ValueError, match="seed must be a whole number >= 0; got 'x1'"):
        dashboard.DashboardModel(rng=" x1 ")
    with pytest.raises(ValueError, match="seed must be a whole number"):
        dashboard.DashboardModel(rng="²")  # a Unicode digit: isdigit() but not int()


# --------------------------------------------------------------------------- end to end

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update"]


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


@pytest.fixture(scope="module")
def server():
    """`solara run sim/face/dashboard.py` on a free loopback port; killed afterwards."""
    _chromium()
    port = _free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", "MPLBACKEND": "Agg"}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "solara", "run", str(ROOT / "sim" / "face" / "dashboard.py"),
         "--host", "127.0.0.1", "--port", str(port), "--production", "--no-open"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
                log.seek(0)
                pytest.fail(f"the dashboard server did not answer at {url}:\n"
                            f"{log.read().decode(errors='replace')[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


@pytest.mark.slow
def test_dashboard_in_a_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=_chromium(), args=CHROMIUM_FLAGS,
            viewport={"width": 1600, "height": 1100})
        try:
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(server)
            readout = page.locator(".oe-readout")
            expect(readout).to_contain_text("step 0:", timeout=60_000)
            step = page.get_by_role("button", name="Step")
            play = page.get_by_role("button", name="▶")
            figures = page.locator("img")

            def run_steps(count):
                for k in range(1, count + 1):
                    step.click()
                    expect(readout).to_contain_text(f"step {k}:")
                expect(page.get_by_text(f"Time: {count}.0")).to_be_visible()
                return readout.inner_text(), [f.screenshot() for f in figures.all()]

            text, images = run_steps(3)
            assert len(images) == 3  # disorder indices, platform shares, network

            play.click()  # play on until a step past 3 shows, then pause
            expect(readout).to_contain_text(re.compile(r"step ([4-9]|\d\d+):"))
            page.get_by_role("button", name="❚❚").click()
            expect(play).to_be_enabled()

            thumb = page.get_by_role("slider", name="Technology power imbalance")
            thumb.focus()
            thumb.press("End")
            expect(thumb).to_have_attribute("aria-valuenow", "1")
            page.get_by_role("button", name="Reset").click()
            expect(readout).to_contain_text("step 0:")
            expect(page.locator(".oe-built-from")).to_contain_text("technology 1.0")
            imbalanced_text, imbalanced_images = run_steps(3)

            def content(line):
                return float(re.search(r"content ([0-9.]+)", line).group(1))

            # the same seed and steps: technology power raises the disorder of content
            assert content(imbalanced_text) > content(text) + 0.1, (text, imbalanced_text)
            assert imbalanced_images[0] != images[0]  # the disorder figure changed
            assert imbalanced_images[2] != images[2]  # the network view (bots appear)
            page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
        finally:
            browser.close()
