"""The dashboard: a Solara page over one :class:`~sim.face.session.Session` per browser tab.

Start it with ``make dashboard`` (production mode, loopback only, no telemetry), or::

    solara run sim/face/dashboard.py --host 127.0.0.1 --production

and open http://127.0.0.1:8765. The left column sets the inputs (three power imbalances,
three compensations, population, run length, seed); **Apply & reset** builds a model from
them; **Step**, **Play** and **Run to end** run it, up to the scenario's run.steps. The
views are :mod:`sim.views`' run figures (the same pictures as a run folder's), drawn by the
session's drawer thread from consistent snapshots; **Export** writes the resolved scenario
and the tables so far. Why this page is not Mesa's SolaraViz: docs/dashboard.md.

Closing or reloading a tab closes its session (threads stopped, model dropped): at once
through the page's close message, and otherwise when Solara culls the disconnected kernel
after :data:`CULL_TIMEOUT`, which this module sets unless ``SOLARA_KERNEL_CULL_TIMEOUT`` is.
"""

from __future__ import annotations

import html
import logging
import os
from typing import Any

import solara
import solara.lab
from solara.alias import rv

from sim.face.session import (
    EXTRA_VIEWS,
    FIELD,
    FIELDS,
    MAIN_VIEWS,
    Frame,
    Session,
    checked_scenario,
    default_drafts,
    parse_field,
    parse_inputs,
    text_of,
)

CULL_TIMEOUT = "5s"  # a closed tab's session goes within seconds, not Solara's default 24 h
TITLE = "opinion-ecology dashboard"
SPEEDS = {"2 steps/s": 2.0, "5 steps/s": 5.0, "10 steps/s": 10.0, "25 steps/s": 25.0,
          "as fast as it runs": None}
DEFAULT_SPEED = "10 steps/s"  # 200 steps in 20 s; the views redraw about once a second

log = logging.getLogger("opinion_ecology.dashboard")
if not log.handlers:  # the server's own logging shows only its loggers
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s dashboard: %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def server_defaults() -> None:
    """Settings for a private, local server, unless set in the environment: cull a
    disconnected kernel after CULL_TIMEOUT, no usage telemetry, no Solara banner."""
    import solara.server.settings as settings

    defaults = [("SOLARA_KERNEL_CULL_TIMEOUT", settings.kernel, "cull_timeout", CULL_TIMEOUT),
                ("SOLARA_TELEMETRY_MIXPANEL_ENABLE", settings.telemetry, "mixpanel_enable",
                 False),
                ("SOLARA_THEME_SHOW_BANNER", settings.theme, "show_banner", False),
                ("SOLARA_THEME_TITLE", settings.theme, "title", TITLE)]
    for variable, section, name, value in defaults:
        if variable not in os.environ:
            setattr(section, name, value)


server_defaults()

# --------------------------------------------------------------------------- words

INDICES = (  # name, label, what it measures in plain words
    ("disorder_index", "Disorder index", "the mean of the three below"),
    ("content_disorder", "Content disorder (technology power)",
     "feeds show something else than the public says, and close around their readers"),
    ("platform_disorder", "Platform disorder (market power)",
     "users gathered on few platforms, and ranking that pushes extreme posts"),
    ("pattern_disorder", "Pattern disorder (social power)",
     "attention held by a few, what people say is not what they hold, strata apart"),
)
VIEW_NAMES = {"disorder": "disorder indices", "opinions": "opinion distribution",
              "network": "follow network sample", "silence": "silence and voice by stratum",
              "platforms": "platform shares", "metrics": "every metric",
              "lorenz": "attention inequality"}
CSS = """
.oe-app { height: calc(100vh - 4px); display: flex; flex-direction: column; overflow: hidden;
          font-size: 13px; }
.oe-header { flex: none; padding: 6px 14px; background: #1f3a5f; color: #fff;
             display: flex; align-items: center; gap: 18px; }
.oe-header h1 { font-size: 17px; font-weight: 600; margin: 0; white-space: nowrap; }
.oe-header .oe-what { font-size: 12px; opacity: 0.9; line-height: 1.3; flex: 1; }
.oe-howto { font-size: 12px; white-space: nowrap; }
.oe-howto b { background: #fff; color: #1f3a5f; border-radius: 9px; padding: 0 6px;
              margin: 0 3px 0 8px; }
.oe-body { flex: 1; display: flex; min-height: 0; }
.oe-side { width: 310px; flex: none; overflow-y: auto; padding: 4px 12px 12px 12px;
           border-right: 1px solid #d8dde4; background: #f7f9fb; }
.oe-side h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em;
              color: #1f3a5f; margin: 8px 0 2px 0; }
.oe-main { flex: 1; min-width: 0; display: flex; flex-direction: column; padding: 0 6px; }
.oe-field { border-left: 3px solid transparent; padding: 0 0 0 5px; margin: 0; }
.oe-field.oe-pending { border-left-color: #e08a00; background: #fff4e0; }
.oe-field-label { font-size: 12px; display: flex; align-items: center; gap: 4px;
                  margin-top: 2px; }
.oe-pending-mark { color: #b36b00; font-size: 11px; font-weight: 600; }
.oe-field .v-input__slot { margin-bottom: 0 !important; }
.oe-field .v-input--selection-controls { margin-top: 0; padding-top: 0; }
.oe-field .v-input--selection-controls .v-messages { display: none; }
.oe-field .v-input--checkbox label { font-size: 13px; color: #222 !important; }
.oe-field-label .v-icon, .oe-row .v-icon.mdi-information-outline { color: #78909c; }
.oe-field .v-messages__message { line-height: 1.2; }
.oe-number { max-width: 66px; flex: none; }
.oe-number input { text-align: right; }
.oe-row { display: flex; align-items: center; gap: 8px; }
.oe-row > .oe-slider { flex: 1; min-width: 0; }
.oe-error-text { color: #c62828; font-size: 11.5px; line-height: 1.25; }
.oe-status { font-size: 12px; margin: 4px 0; }
.oe-main .v-tabs-bar { height: 34px; }
.oe-grid { height: calc(100vh - 128px); display: grid; gap: 4px 6px;
           grid-template-columns: repeat(3, minmax(0, 1fr));
           grid-template-rows: repeat(2, minmax(0, 1fr)); padding: 4px 0; }
.oe-cell { min-height: 0; min-width: 0; display: flex; align-items: center;
           justify-content: center; border: 1px solid #e3e7ec; border-radius: 4px;
           background: #fff; overflow: hidden; }
.oe-cell img { max-width: 100%; max-height: 100%; object-fit: contain; }
.oe-indices { font-size: 11.5px; padding: 6px 8px; align-items: flex-start;
              justify-content: flex-start; flex-direction: column; overflow-y: auto; }
.oe-indices table { border-collapse: collapse; width: 100%; }
.oe-indices td { padding: 2px 4px; vertical-align: top; border-bottom: 1px solid #eef0f3; }
.oe-indices td.oe-value { text-align: right; font-variant-numeric: tabular-nums;
                          white-space: nowrap; font-weight: 600; }
.oe-indices .oe-plain { color: #555; font-size: 11px; }
.oe-indices h3 { font-size: 13px; margin: 0 0 4px 0; }
.oe-wide img { max-width: 100%; }
.v-tooltip__content { max-width: 420px; }
.oe-about { max-width: 900px; font-size: 13px; line-height: 1.5; padding: 8px; }
.oe-about h3 { margin-top: 10px; }
"""

# --------------------------------------------------------------------------- helpers


def is_pending(name: str, draft: Any, applied: Any) -> bool:
    """Whether a field's text differs from the value the running model was built from."""
    try:
        value = parse_field(name, draft)
    except ValueError:
        return True
    if FIELD[name].kind == "level":
        return abs(float(value) - float(applied)) > 1e-9
    return value != applied


def field_error(name: str, draft: Any) -> str | None:
    try:
        parse_field(name, draft)
    except ValueError as exc:
        return str(exc)
    return None


def indices_html(frame: Frame | None) -> str:
    """The legend panel: each index in plain words, its value now and its change since
    step 0."""
    rows = []
    for name, label, plain in INDICES:
        if frame is not None and name in frame.latest:
            now = frame.latest[name]
            change = now - frame.initial.get(name, now)
            value = f"{now:.3f}<br><span class='oe-plain'>{change:+.3f}</span>"
        else:
            value = "-"
        rows.append(f"<tr class='oe-index-{name}'><td><b>{html.escape(label)}</b><br>"
                    f"<span class='oe-plain'>{html.escape(plain)}</span></td>"
                    f"<td class='oe-value'>{value}</td></tr>")
    step = "" if frame is None else f" at step {frame.step}"
    return ("<h3>What the indices say" + step + "</h3>"
            "<div class='oe-plain'>Each index runs from 0 (the balanced ideal) to 1 "
            "(maximal disorder); below the value, its change since step 0. Some terms are "
            "not 0 even in a balanced ecology, so compare with the baseline (all sliders "
            "at 0) rather than with 0.</div>"
            f"<table>{''.join(rows)}</table>"
            "<div class='oe-plain' style='margin-top:4px'>Shaded steps: a compensation "
            "acted. Network: blue = opinion -1, dark grey = 0, red = +1; hollow = silent. "
            "Hover the (i) of an input for what it does.</div>")


# --------------------------------------------------------------------------- inputs


@solara.component
def FieldLabel(name: str, pending: bool):
    spec = FIELD[name]
    with solara.Div(classes=["oe-field-label"]) as label:
        solara.Text(spec.label)
        with solara.Tooltip(spec.help):
            rv.Icon(children=["mdi-information-outline"], small=True)
        if pending:
            solara.Text("changed: applies on Reset", classes=["oe-pending-mark"])
    return label


@solara.component
def NumberField(name: str, draft: Any, applied: Any, extra_error: str | None,
                on_draft, slider_max: float | None = None):
    """A field's label, slider (if it has one) and number box, its pending mark and its
    error message (in place: nothing else on the page changes)."""
    spec = FIELD[name]
    error = field_error(name, draft) or extra_error
    pending = is_pending(name, draft, applied)
    classes = ["oe-field", f"oe-field-{name}"] + (["oe-pending"] if pending else [])
    with solara.Div(classes=classes) as field:
        FieldLabel(name, pending)
        with solara.Div(classes=["oe-row"]):
            if spec.slider_step is not None:
                try:
                    position = parse_field(name, draft)
                except ValueError:
                    position = applied
                top = spec.high if slider_max is None else max(spec.low, slider_max)
                with solara.Div(classes=["oe-slider"]):
                    if spec.kind == "level":
                        solara.SliderFloat("", value=float(position), min=spec.low, max=top,
                                           step=spec.slider_step, thumb_label=True,
                                           on_value=lambda x: on_draft(name, text_of(name, x)))
                    else:
                        solara.SliderInt("", value=int(min(position, top)), min=int(spec.low),
                                         max=int(top), step=int(spec.slider_step),
                                         thumb_label=True,
                                         on_value=lambda x: on_draft(name, text_of(name, x)))
            solara.InputText("", value=str(draft), on_value=lambda text: on_draft(name, text),
                             dense=True, classes=["oe-number", f"oe-input-{name}"])
        if error:
            solara.Text(error, classes=["oe-error-text", f"oe-error-{name}"])
    return field


@solara.component
def ToggleField(name: str, draft: bool, applied: bool, on_draft):
    spec = FIELD[name]
    pending = bool(draft) != bool(applied)
    classes = ["oe-field", f"oe-field-{name}"] + (["oe-pending"] if pending else [])
    with solara.Div(classes=classes) as field:
        with solara.Div(classes=["oe-row"]):
            solara.Checkbox(label=spec.label, value=bool(draft),
                            on_value=lambda on: on_draft(name, bool(on)))
            with solara.Tooltip(spec.help):
                rv.Icon(children=["mdi-information-outline"], small=True)
            if pending:
                solara.Text("changed", classes=["oe-pending-mark"])
    return field


# --------------------------------------------------------------------------- views


@solara.component
def ViewCell(name: str, frame: Frame | None):
    with solara.Div(classes=["oe-cell", f"oe-cell-{name}"]) as cell:
        image = None if frame is None else frame.images.get(name)
        if image is None:
            solara.Text(f"drawing the {VIEW_NAMES[name]}...", classes=["oe-plain"])
        else:
            solara.Image(image, classes=["oe-view", f"oe-view-{name}"])
    return cell


@solara.component
def About():
    with solara.Div(classes=["oe-about"]) as about:
        solara.HTML(tag="div", unsafe_innerHTML="""
<h3>The model</h3>
<p>An agent-based model (Mesa) of an online public: users in four urban/rural x younger/older
strata read feeds on competing platforms, post or fall silent, follow and unfollow, and move
their opinions (from -1 to +1) towards what they read. Opinion leaders, bots and a
mainstream outlet post too. Three kinds of power can be concentrated: <b>technology</b>
(access and literacy, leaders' reach, bots, biased recommendations), <b>market</b> (network
effects between platforms, traffic-first ranking, no redistribution of mainstream news) and
<b>social</b> (social capital, hubs, a Matthew effect in following, emotional posts travelling
further). Each raises one kind of disorder; three compensations re-share each power.</p>
<h3>The inputs</h3>
<p>Each imbalance slider moves every field in which <code>scenarios/baseline.yaml</code> and
that power's imbalance file differ, from the baseline (0) to the file (1). The compensation
toggles add the interventions of <code>reorder_symbol.yaml</code>,
<code>reorder_platform.yaml</code> and <code>reorder_node.yaml</code>, starting after the chosen
step. Changed inputs are marked in orange and act only when you press <b>Apply &amp;
reset</b>; an invalid input is explained under its field and nothing is applied.</p>
<h3>The views</h3>
<p>The same figures as a run folder's (<code>python run.py run FILE</code>): disorder indices
(shaded: steps in which a compensation acted; the strip below names each intervention),
the opinion distribution of the public (a heatmap of shares; the cyan line is the mean),
the follow network of 200 sampled accounts (fixed layout, current ties), silence and voice
by stratum (voice = the stratum's share of what the public reads), and platform shares.</p>
<h3>Running and exporting</h3>
<p>A run stops at its length (<code>run.steps</code>), as on the command line. <b>Export</b>
writes the resolved scenario (<code>scenario.yaml</code>) and the tables so far
(<code>metrics.csv</code>, <code>strata.csv</code>, ...) to a new folder under
<code>results/</code>; <code>python run.py run FOLDER/scenario.yaml --steps N</code> reruns
the same steps. Details: <code>docs/dashboard.md</code>.</p>
""")
    return about


# --------------------------------------------------------------------------- the page


def open_session(publish, context) -> Session:
    """A new session for this browser tab, closed with its kernel (Solara's on_close)."""
    session = Session(publish=publish, log=log.info)
    if context is not None:
        context.on_close(session.close)
    return session


@solara.component
def Page():
    """The app (``solara run`` looks for ``Page``)."""
    from solara.server.kernel_context import get_current_context, has_current_context

    frame, set_frame = solara.use_state(None)
    context = get_current_context() if has_current_context() else None

    def publish(new: Frame) -> None:  # from the session's drawer thread
        if context is None:
            set_frame(new)
        elif not context.closed_event.is_set():
            with context:
                set_frame(new)

    session: Session = solara.use_memo(lambda: open_session(publish, context), [])
    solara.use_effect(lambda: session.close, [])  # and when the page is torn down
    drafts, set_drafts = solara.use_state(default_drafts(session.inputs))
    # the drafts as last set, for Apply: a click that reaches the server before the render
    # that followed an edit must not apply the drafts of the render before
    latest = solara.use_ref(drafts)
    apply_errors, set_apply_errors = solara.use_state({})
    message, set_message = solara.use_state("")
    speed, set_speed = solara.use_state(DEFAULT_SPEED)
    tab, set_tab = solara.use_state(0)
    _, set_tick = solara.use_state(0)

    def refresh():
        set_tick(lambda k: k + 1)

    def on_draft(name: str, value: Any) -> None:
        latest.current = {**latest.current, name: value}
        set_drafts(lambda old: {**old, name: value})
        set_apply_errors(lambda old: {k: e for k, e in old.items() if k not in (name, "")})

    def apply() -> None:
        inputs, errors = parse_inputs(latest.current)
        scenario = None
        if inputs is not None:
            scenario, errors = checked_scenario(inputs)
        if errors:
            set_apply_errors(errors)
            set_message("Not applied: fix the marked inputs. The current model is kept.")
            return
        try:
            session.apply(inputs, scenario)
        except Exception as exc:  # the page and the current model stay
            set_apply_errors({"": f"{type(exc).__name__}: {exc}"})
            set_message("Not applied: the model could not be built. The current model is "
                        "kept.")
            return
        latest.current = default_drafts(inputs)
        set_drafts(latest.current)
        set_apply_errors({})
        set_message("")
        refresh()

    def on_tab(index: int) -> None:
        set_tab(index)
        session.want(MAIN_VIEWS if index == 0 else EXTRA_VIEWS if index == 1 else ())

    def step() -> None:
        session.step(1)
        refresh()

    def play_or_pause() -> None:
        if session.playing:
            session.pause()
        else:
            session.play(SPEEDS[speed])
        refresh()

    def run_to_end() -> None:
        session.play(None)
        refresh()

    def export() -> None:
        try:
            folder = session.export()
        except Exception as exc:
            set_message(f"Export failed: {type(exc).__name__}: {exc}")
            return
        step_now = session.frame.step if session.frame else 0
        set_message(f"Exported to {folder}/: scenario.yaml, metrics.csv, strata.csv, "
                    f"platforms.csv, interventions.csv, opinions.csv. Rerun: python run.py "
                    f"run {folder}/scenario.yaml --steps {step_now}")

    applied = session.inputs
    pending = [f.label for f in FIELDS if (is_pending(f.name, drafts[f.name],
                                                      getattr(applied, f.name)))]
    live_errors = {f.name: e for f in FIELDS if (e := field_error(f.name, drafts[f.name]))}
    playing, finished = session.playing, session.finished
    shown = frame if frame is not None and frame.generation == session.generation else None
    try:
        steps_draft = parse_field("steps", drafts["steps"])
    except ValueError:
        steps_draft = applied.steps

    with solara.Div(classes=["oe-app"]) as app:
        solara.Title(TITLE)
        solara.Style(CSS)
        with solara.Div(classes=["oe-header"]):
            solara.HTML(tag="h1", unsafe_innerHTML="opinion-ecology")
            solara.HTML(tag="div", classes=["oe-what"], unsafe_innerHTML=(
                "An agent-based model of how <b>technology</b>, <b>market</b> and "
                "<b>social</b> power shape online public opinion, and of three "
                "compensations that re-share them."))
            solara.HTML(tag="div", classes=["oe-howto"], unsafe_innerHTML=(
                "<b>1</b>set the inputs <b>2</b>Apply &amp; reset <b>3</b>Step, Play or "
                "Run to end"))

        with solara.Div(classes=["oe-body"]):
            with solara.Div(classes=["oe-side"]):
                solara.HTML(tag="h2", unsafe_innerHTML="1 &middot; Power imbalances")
                for name in ("technology", "market", "social"):
                    NumberField(name, drafts[name], getattr(applied, name),
                                apply_errors.get(name), on_draft)
                solara.HTML(tag="h2", unsafe_innerHTML="Compensations")
                for name in ("symbol_connection", "platform_performance", "node_empowerment"):
                    ToggleField(name, drafts[name], getattr(applied, name), on_draft)
                NumberField("compensation_start", drafts["compensation_start"],
                            applied.compensation_start, apply_errors.get("compensation_start"),
                            on_draft, slider_max=max(0, steps_draft - 1))
                solara.HTML(tag="h2", unsafe_innerHTML="Model")
                for name in ("population", "steps", "seed"):
                    NumberField(name, drafts[name], getattr(applied, name),
                                apply_errors.get(name), on_draft)

                solara.HTML(tag="h2", unsafe_innerHTML="2 &middot; Apply")
                label = (f"Apply & reset ({len(pending)} changed)" if pending
                         else "Reset (same inputs)")
                solara.Button(label, on_click=apply, color="warning" if pending else "primary",
                              classes=["oe-apply"], style="width: 100%")
                if pending:
                    solara.Text("Not applied yet: " + ", ".join(pending),
                                classes=["oe-status", "oe-pending-list"])
                if live_errors or apply_errors.get(""):
                    solara.Text(apply_errors.get("") or "Fix the inputs marked in red to apply.",
                                classes=["oe-error-text", "oe-apply-error"])
                if message:
                    solara.Text(message, classes=["oe-status", "oe-message"])

                solara.HTML(tag="h2", unsafe_innerHTML="3 &middot; Run")
                with solara.Div(classes=["oe-row"], style="gap: 6px; margin: 4px 0 2px 0"):
                    solara.Button("Step", on_click=step, disabled=playing or finished,
                                  small=True, classes=["oe-step-button"])
                    solara.Button("Pause" if playing else "Play", on_click=play_or_pause,
                                  disabled=finished and not playing, small=True,
                                  icon_name="mdi-pause" if playing else "mdi-play",
                                  classes=["oe-play-button"])
                    solara.Button("Run to end", on_click=run_to_end, small=True,
                                  disabled=playing or finished, classes=["oe-run-button"])
                solara.Select("Play speed", values=list(SPEEDS), value=speed,
                              on_value=set_speed, dense=True, disabled=playing,
                              style="margin-top: 10px")
                solara.Button("Export scenario + tables", on_click=export, outlined=True,
                              icon_name="mdi-content-save", classes=["oe-export-button"],
                              style="width: 100%; margin-top: 8px")

            with solara.Div(classes=["oe-main"]):
                state = "playing" if playing else "finished" if finished else "paused"
                step_text = (f"step {shown.step} of {shown.steps}" if shown is not None
                             else "drawing step 0...")
                with solara.Row(style="align-items: center; gap: 12px; margin: 4px 0 0 2px"):
                    solara.Text(step_text, classes=["oe-step"],
                                style="font-weight: 600; font-size: 14px")
                    solara.Text(state, classes=["oe-state"])
                    solara.Text("Running model: " + applied.describe(),
                                classes=["oe-built-from", "oe-plain"], style="font-size: 12px")
                if finished and not playing:
                    solara.Info(f"Finished: the scenario's {applied.steps} steps (run.steps) "
                                "are done, as a command-line run would stop. Apply & reset to "
                                "start again (a longer Run length for more steps), or Export.",
                                dense=True, classes=["oe-notice"])
                error = session.error or (shown.error if shown is not None else None)
                if error:
                    solara.Error(error, dense=True, classes=["oe-error"])
                with solara.lab.Tabs(value=tab, on_value=on_tab, lazy=True):
                    with solara.lab.Tab("Views", classes=["oe-tab-views"]):
                        with solara.Div(classes=["oe-grid"]):
                            for name in ("disorder", "opinions", "network", "silence",
                                         "platforms"):
                                ViewCell(name, shown)
                            solara.HTML(tag="div", classes=["oe-cell", "oe-indices"],
                                        unsafe_innerHTML=indices_html(shown))
                    with solara.lab.Tab("Every metric", classes=["oe-tab-metrics"]):
                        with solara.Div(classes=["oe-wide"]):
                            for name in EXTRA_VIEWS:
                                image = None if shown is None else shown.images.get(name)
                                if image is not None:
                                    solara.Image(image, classes=["oe-view", f"oe-view-{name}"])
                    with solara.lab.Tab("About", classes=["oe-tab-about"]):
                        About()
    return app
