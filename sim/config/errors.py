"""Errors the command line reports as one clear message (exit code 2)."""


class ScenarioError(Exception):
    """A scenario, sweep or input file is invalid; the message names file and field."""
