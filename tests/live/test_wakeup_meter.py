"""The wake-up calibration a profile carries: real sleeps on this machine, work before each."""

from batchtui.engine.live.wakeup import MIN_SLEEPS, WakeupMeter
from batchtui.engine.sim.wakeup import PROBABILITIES


def test_each_sleep_follows_a_piece_of_work_and_is_kept() -> None:
    done: list[int] = []
    meter = WakeupMeter(lambda: done.append(1))
    meter.measure(0.0)  # however short the window, a few sleeps
    assert len(done) == len(meter.samples_ms()) == MIN_SLEEPS
    meter.measure(0.05)  # windows add up
    assert len(done) == len(meter.samples_ms()) > MIN_SLEEPS + 5
    lateness = meter.lateness()
    assert lateness.probabilities == PROBABILITIES
    assert lateness.quantiles_ms[0] >= 0.0
    assert list(lateness.quantiles_ms) == sorted(lateness.quantiles_ms)
    assert lateness.quantiles_ms[-1] == round(float(max(0.0, meter.samples_ms().max())), 6)
