"""Benchmarks for Renju. They are not tests: they measure and print, they never assert on time.

Every benchmark prints its figure and a ratio to a baseline measured in the same run. Run one with
``.venv/bin/python -m bench.<name>`` or all of them with ``.venv/bin/python -m bench.run_all``.
"""
