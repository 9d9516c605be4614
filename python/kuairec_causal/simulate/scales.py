"""Size presets of the synthetic release.

Each release holds two independently simulated worlds that share the user and video catalogue:
the dense *small* world (small_matrix.csv: every small user sees nearly every small video) and
the sparse *big* world (big_matrix.csv). ``full`` matches the real KuaiRec 2.0 sizes
(1,411 x 3,327 small matrix with ~4.7M rows; 7,176 users x 10,728 videos and ~12.5M rows in the
big matrix); ``small`` keeps the real small matrix and shrinks the big one so the default demo
generates in under a minute; ``tiny`` is the test fixture.
"""

from __future__ import annotations

from dataclasses import dataclass

from kuairec_causal.errors import ParameterError


@dataclass(frozen=True)
class Scale:
    name: str
    n_users: int  # users in user_features.csv (the big world uses all of them)
    n_small_users: int  # the first n_small_users user ids form the small world
    n_videos: int  # videos in item_categories.csv / item_daily_features.csv
    n_small_videos: int  # the small world's video catalogue (a subset)
    small_daily_interactions: float  # mean plays on an active day, small world
    big_daily_interactions: float  # mean plays on an active day, big world
    n_days: int = 63  # 2020-07-05 .. 2020-09-05


SCALES: dict[str, Scale] = {
    "tiny": Scale("tiny", n_users=60, n_small_users=36, n_videos=900, n_small_videos=420,
                  small_daily_interactions=14.0, big_daily_interactions=9.0),
    # Test scale for estimator coverage: enough users for stable intervals, seconds to build.
    "ci": Scale("ci", n_users=320, n_small_users=200, n_videos=2400, n_small_videos=900,
                small_daily_interactions=24.0, big_daily_interactions=10.0),
    "small": Scale("small", n_users=2400, n_small_users=1411, n_videos=10728, n_small_videos=3327,
                   small_daily_interactions=46.0, big_daily_interactions=9.0),
    "full": Scale("full", n_users=7176, n_small_users=1411, n_videos=10728, n_small_videos=3327,
                  small_daily_interactions=46.0, big_daily_interactions=26.5),
}


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise ParameterError(f"scale '{name}' is not one of {sorted(SCALES)}") from None
