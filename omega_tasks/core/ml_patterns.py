"""Price-shape patterns: clusters of the last ``bars`` closes, normalised to shape alone.

A shape is the window's log closes minus their mean, divided by their std (a flat window is
all zeros), so a pattern says how price moved, not where or how far. Clusters come from
k-means with a fixed seed; a retrained model keeps the ids of the previous one by matching
each new centroid to the nearest old one (an optimal one-to-one assignment), so "pattern 3"
means the same shape from one model to the next. A first model numbers its patterns by net
move, most falling first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans

from omega_tasks.core.ml_features import shapes

Array = np.ndarray
__all__ = ["Patterns", "fit_patterns", "shapes"]


@dataclass(frozen=True, slots=True)
class Patterns:
    """Centroids of shape clusters; row i is pattern i."""

    centroids: Array

    @property
    def bars(self) -> int:
        return int(self.centroids.shape[1])

    def assign(self, rows: Array) -> Array:
        """Return the nearest pattern of each shape row."""
        d = ((rows[:, None, :] - self.centroids[None, :, :]) ** 2).sum(axis=2)
        found: Array = np.argmin(d, axis=1)
        return found


def fit_patterns(
    rows: Array, count: int, seed: int, previous: Patterns | None = None
) -> Patterns:
    """Cluster shape rows; keep ``previous``'s ids for the clusters that match its own."""
    if len(rows) < count:
        raise ValueError(f"{len(rows)} shapes cannot make {count} patterns")
    km = KMeans(n_clusters=count, n_init=4, random_state=seed).fit(rows)
    centroids = km.cluster_centers_
    if previous is not None and previous.centroids.shape == centroids.shape:
        cost = ((previous.centroids[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
        old, new = linear_sum_assignment(cost)
        order = np.empty(count, dtype=int)
        order[old] = new
    else:
        order = np.argsort(centroids[:, -1] - centroids[:, 0], kind="stable")
    return Patterns(np.ascontiguousarray(centroids[order]))
