"""The invariant audit: what must hold for every payment, checked against every source."""
