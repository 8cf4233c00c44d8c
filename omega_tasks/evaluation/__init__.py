"""Offline evaluation on real data: the same core functions, measured against baselines."""
