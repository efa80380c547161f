"""Kept so that ``solara run sim/dashboard.py`` still starts the dashboard, which lives in
:mod:`sim.face.dashboard` (``make dashboard`` runs that file)."""

from sim.face.dashboard import Page  # noqa: F401 - solara looks for Page here
