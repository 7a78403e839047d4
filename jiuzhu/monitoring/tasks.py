"""Background work of monitoring. `PERIODIC` (core run_periodic): (task path, seconds)."""

PERIODIC: list[tuple[str, float]] = [
]
