"""Factories and helpers for the training tests (no tests here: the other test_training files import these)."""

from __future__ import annotations
