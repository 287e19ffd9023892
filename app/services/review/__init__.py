"""Review: evidence, the coaches' queue, decisions, calibration and figures."""
