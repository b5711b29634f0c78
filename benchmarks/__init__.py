"""Benchmarks: scripts run by hand, never by the test suite."""

from __future__ import annotations
