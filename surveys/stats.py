"""The arithmetic of survey results: pure functions of counts, no database (tested on hand-computed data).

Every figure is an `Estimate`: its value, its 95 % interval and the number of answers it stands on.
With n = 0 there is no value (shown "—"), never a division by zero.

- Shares (response rate, top-2-box, L3): the Wilson score interval, which stays inside [0, 1] and
  behaves at small n and at shares near 0 or 1, where the normal ("Wald") interval does not.
- Means: mean ± z·s/√n with the sample standard deviation (n − 1); no interval below n = 2.
- Recommend score (NPS): 100 × (promoters − detractors) / n; each answer is +1, 0 or −1, so its
  variance is p + d − (p − d)² (p, d the promoter and detractor shares) and the interval is
  ± z·√(variance / n), in points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

Z_95 = 1.959963984540054
DASH = "—"
TOP_2_BOX_5 = (4, 5)  # 1–5 ratings: "satisfied" and "very satisfied"
PROMOTER_MIN, DETRACTOR_MAX = 9, 6  # 0–10: promoters 9–10, detractors 0–6


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95 % interval. `value`, `low`, `high` are shares in [0, 1] for shares, points
    for the recommend score, the scale's unit for means; None when nothing was counted."""

    n: int
    value: float | None = None
    low: float | None = None
    high: float | None = None
    count: int | None = None  # the successes behind a share (top-2-box answers, L3 respondents)
    kind: str = "share"  # share | mean | score

    @property
    def has_value(self) -> bool:
        return self.value is not None

    def display(self) -> str:
        """The value as the page shows it: 82.5 %, 4.21, +35.0, or — with nothing counted."""
        return _shown(self.value, self.kind)

    def display_interval(self) -> str:
        if self.low is None or self.high is None:
            return ""
        return f"{_shown(self.low, self.kind)} – {_shown(self.high, self.kind)}"

    def as_json(self) -> dict:
        return {"n": self.n, "value": self.value, "low": self.low, "high": self.high, "count": self.count}


def _shown(value: float | None, kind: str) -> str:
    if value is None:
        return DASH
    if kind == "share":
        return f"{value * 100:.1f} %"
    if kind == "score":
        return f"{value:+.1f}"
    return f"{value:.2f}"


def wilson(successes: int, n: int, z: float = Z_95) -> Estimate:
    """A share with its Wilson score interval."""
    if n <= 0:
        return Estimate(n=0, count=0)
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(n=n, value=p, low=max(0.0, centre - half), high=min(1.0, centre + half), count=successes)


def mean_interval(n: int, total: float, total_of_squares: float, z: float = Z_95) -> Estimate:
    """The mean of n scores from their sum and sum of squares (what one GROUP BY returns)."""
    if n <= 0:
        return Estimate(n=0, kind="mean")
    mean = total / n
    if n < 2:
        return Estimate(n=n, value=mean, kind="mean")
    variance = max(0.0, (total_of_squares - n * mean * mean) / (n - 1))
    half = z * math.sqrt(variance / n)
    return Estimate(n=n, value=mean, low=mean - half, high=mean + half, kind="mean")


def histogram_mean(histogram: Mapping[int, int]) -> Estimate:
    """The mean of a {score: count} histogram."""
    n = sum(histogram.values())
    total = sum(score * count for score, count in histogram.items())
    squares = sum(score * score * count for score, count in histogram.items())
    return mean_interval(n, total, squares)


def top_2_box(histogram: Mapping[int, int], top: tuple[int, ...] = TOP_2_BOX_5) -> Estimate:
    """The share of 1–5 answers in the top two boxes (4 or 5)."""
    n = sum(histogram.values())
    return wilson(sum(count for score, count in histogram.items() if score in top), n)


def nps(histogram: Mapping[int, int], z: float = Z_95) -> Estimate:
    """The recommend score of 0–10 answers: % promoters (9–10) − % detractors (0–6), in points."""
    n = sum(histogram.values())
    if n <= 0:
        return Estimate(n=0, kind="score")
    promoters = sum(count for score, count in histogram.items() if score >= PROMOTER_MIN)
    detractors = sum(count for score, count in histogram.items() if score <= DETRACTOR_MAX)
    p, d = promoters / n, detractors / n
    score = p - d
    variance = max(0.0, p + d - score * score)
    half = z * math.sqrt(variance / n)
    return Estimate(
        n=n,
        value=100 * score,
        low=100 * max(-1.0, score - half),
        high=100 * min(1.0, score + half),
        count=promoters - detractors,
        kind="score",
    )


def is_l3(overall: int | None, repurchase: int | None, recommend: int | None) -> bool:
    """One respondent's L3 loyalty: top scores on all three (overall 5, repurchase 5, recommend ≥ 9)."""
    return overall == 5 and repurchase == 5 and recommend is not None and recommend >= PROMOTER_MIN


def l3_share(loyal: int, respondents: int) -> Estimate:
    """L3: loyal respondents among the completed respondents who answered all three questions."""
    return wilson(loyal, respondents)


def change(current: Estimate, previous: Estimate | None) -> float | None:
    """current − previous (in the figure's own unit), None when either side has no value."""
    if previous is None or current.value is None or previous.value is None:
        return None
    return current.value - previous.value
