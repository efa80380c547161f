"""Everything a scenario or sweep file can say: specs, reading, overrides, messages.

A leaf of the package: it imports nothing else from ``sim``. The engine passes what
validation needs of it (the recorded metric names) through pydantic's validation
context, ``{"metrics": names}``.

=========================  ====================================================
module                     holds
=========================  ====================================================
:mod:`.scenario`           :class:`Scenario` and its ``metrics`` and ``run`` sections
:mod:`.population`         ``population``: strata, access, literacy, social capital
:mod:`.network`            ``network``: the follow network's generators
:mod:`.actors`             ``platforms``, ``leaders``, ``bots``
:mod:`.dynamics`           ``dynamics``: the ecology's core or a classic model
:mod:`.interventions`      ``interventions``: compensation specs, ``when`` triggers
:mod:`.sweep`              sweep files, their designs and runs
:mod:`.loading`            reading, ``--set`` overrides, validation, JSON Schema
:mod:`.messages`           one clear message per validation error
:mod:`.yamlio`             strict, position-aware YAML; values written back as YAML
:mod:`.files`              opening input files: regular files only, never blocking
:mod:`.fields`             shared field types and the strict base model
:mod:`.outcomes`           outcome names shared with tables and figures
:mod:`.errors`             :class:`ScenarioError`
=========================  ====================================================
"""

from sim.config.errors import ScenarioError
from sim.config.loading import (
    Overrides,
    apply_overrides,
    load_scenario,
    scenario_json_schema,
    validate_scenario,
)
from sim.config.scenario import Scenario

__all__ = ["Overrides", "Scenario", "ScenarioError", "apply_overrides", "load_scenario",
           "scenario_json_schema", "validate_scenario"]
