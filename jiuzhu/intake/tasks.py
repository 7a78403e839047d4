"""Background work of intake. `PERIODIC` (core run_periodic): (task path, seconds)."""

PERIODIC: list[tuple[str, float]] = []  # the referrals part adds the deadline sweep
