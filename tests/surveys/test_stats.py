"""The results' arithmetic on hand-computed data (z = 1.96)."""

import pytest

from surveys import stats

approx = pytest.approx


def test_wilson_interval_of_8_out_of_10():
    # p = .8; centre = (.8 + 1.96²/20) / (1 + 1.96²/10) = .7167; half = 1.96·√(.016 + .009604) / 1.3842
    estimate = stats.wilson(8, 10)
    assert estimate.value == 0.8 and estimate.count == 8 and estimate.n == 10
    assert estimate.low == approx(0.4902, abs=1e-4)
    assert estimate.high == approx(0.9433, abs=1e-4)


def test_wilson_stays_inside_zero_and_one_at_the_edges():
    none, all_ = stats.wilson(0, 5), stats.wilson(5, 5)
    assert none.low == 0.0 and none.high == approx(0.4345, abs=1e-4)
    assert all_.high == approx(1.0) and all_.low == approx(0.5655, abs=1e-4)


def test_nothing_counted_has_no_value_and_shows_a_dash():
    for estimate in (
        stats.wilson(0, 0),
        stats.mean_interval(0, 0, 0),
        stats.nps({}),
        stats.top_2_box({}),
        stats.l3_share(0, 0),
    ):
        assert estimate.value is None and estimate.display() == "—" and estimate.display_interval() == ""


def test_mean_and_its_interval():
    # 1..5: mean 3, sample variance 2.5, se = √(2.5/5) = .7071, half = 1.386
    estimate = stats.histogram_mean({1: 1, 2: 1, 3: 1, 4: 1, 5: 1})
    assert estimate.value == 3
    assert estimate.low == approx(1.614, abs=1e-3) and estimate.high == approx(4.386, abs=1e-3)
    assert estimate.display() == "3.00"


def test_a_single_score_has_a_mean_but_no_interval():
    estimate = stats.mean_interval(1, 4, 16)
    assert estimate.value == 4 and estimate.low is None


def test_top_2_box_counts_fours_and_fives():
    estimate = stats.top_2_box({5: 3, 4: 2, 3: 1, 1: 4})
    assert estimate.count == 5 and estimate.n == 10 and estimate.value == 0.5
    assert estimate.display() == "50.0 %"


def test_recommend_score_promoters_minus_detractors_with_multinomial_interval():
    # 6 promoters (9–10), 2 passives (7–8), 2 detractors (0–6) of 10: 60 % − 20 % = +40;
    # variance = .6 + .2 − .4² = .64, half = 1.96·√(.064) = .4958 → [−9.58, +89.58]
    estimate = stats.nps({10: 5, 9: 1, 8: 1, 7: 1, 6: 1, 0: 1})
    assert estimate.value == approx(40.0)
    assert estimate.low == approx(-9.584, abs=1e-2) and estimate.high == approx(89.584, abs=1e-2)
    assert estimate.display() == "+40.0"


def test_recommend_score_of_all_detractors_is_minus_100_and_bounded():
    estimate = stats.nps({3: 4})
    assert estimate.value == -100 and estimate.low == -100 and estimate.high == -100


@pytest.mark.parametrize(
    ("overall", "repurchase", "recommend", "loyal"),
    [(5, 5, 9, True), (5, 5, 10, True), (5, 5, 8, False), (4, 5, 10, False), (5, 4, 10, False),
     (5, 5, None, False)],
)  # fmt: skip
def test_l3_needs_top_scores_on_all_three(overall, repurchase, recommend, loyal):
    assert stats.is_l3(overall, repurchase, recommend) is loyal


def test_change_is_none_without_a_previous_value():
    assert stats.change(stats.wilson(1, 2), None) is None
    assert stats.change(stats.wilson(1, 2), stats.wilson(0, 0)) is None
    assert stats.change(stats.wilson(3, 4), stats.wilson(1, 2)) == approx(0.25)
