"""The benchmark: the saga through the real API against Temporal's own floor, side by side."""
