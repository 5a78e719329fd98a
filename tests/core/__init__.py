"""Unit tests of the `journeymap` core (no Streamlit).

This file makes `tests/core` a package so its module names (`core.test_maps`...)
never clash with same-named test modules in other test folders.
"""
