"""Errors the command line reports as one clear message (exit code 2)."""


class ScenarioError(Exception):
    """A scenario, sweep or input file is invalid; the message names file and field."""


def shown(text: str) -> str:
    """``text`` for a one-line message: characters that are not printable (control
    characters, line breaks, tabs) written as escapes (``\\x01``, ``\\n``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
