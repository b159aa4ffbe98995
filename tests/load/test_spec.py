"""LoadSpec: validation names the field at fault, and dicts round-trip for presets."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from batchtui.engine.errors import ConfigError
from batchtui.engine.load import PATTERNS, LoadGenerator, LoadSpec
from batchtui.engine.load.spec import LOAD_PARAMS
from batchtui.engine.load.volume import expected_arrivals, trace_span_s


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_are_valid_poisson_at_2000_rps() -> None:
    spec = LoadSpec()
    spec.validate()
    assert (spec.pattern, spec.rate_rps) == ("poisson", 2000.0)


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"pattern": "bursty"}, "pattern", "expected one of constant, poisson"),
        ({"rate_rps": -5}, "rate_rps", "must be > 0, got -5"),
        ({"rate_rps": 0}, "rate_rps", "must be > 0, got 0"),
        ({"rate_rps": float("nan")}, "rate_rps", "finite"),
        ({"rate_rps": "fast"}, "rate_rps", "must be a number, got 'fast'"),
        ({"rate_rps": True}, "rate_rps", "must be a number"),
        ({"burstiness": 0.0}, "burstiness", "must be > 0"),
        ({"burstiness": -1.0}, "burstiness", "must be > 0"),
        ({"on_s": 0.0}, "on_s", "must be > 0"),
        ({"off_s": -0.5}, "off_s", "must be >= 0"),
        ({"ramp_to_rps": -1.0}, "ramp_to_rps", "must be >= 0"),
        ({"ramp_s": 0.0}, "ramp_s", "must be > 0"),
        ({"amplitude": 1.5}, "amplitude", "must be <= 1, got 1.5"),
        ({"amplitude": -0.1}, "amplitude", "must be >= 0, got -0.1"),
        ({"period_s": 0.0}, "period_s", "must be > 0"),
        ({"speed": 0.0}, "speed", "must be > 0"),
        ({"speed": -2.0}, "speed", "must be > 0"),
        ({"loop": "yes"}, "loop", "true or false"),
        ({"size": 0.5}, "size", "must be >= 1"),
        ({"size_cv": -0.1}, "size_cv", "must be >= 0"),
        ({"trace": 42}, "trace", "file path"),
    ],
)
def test_each_bad_setting_is_reported_under_its_own_name(
    changes: dict[str, object], field: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec(**changes).validate()  # type: ignore[arg-type]
    assert caught.value.where == field
    assert fragment in caught.value.message


def test_boundary_values_are_accepted() -> None:
    LoadSpec(amplitude=0.0).validate()
    LoadSpec(amplitude=1.0).validate()
    LoadSpec(off_s=0.0, ramp_to_rps=0.0, size=1.0, size_cv=0.0).validate()


def test_the_first_bad_field_is_the_one_reported() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec(rate_rps=-1.0, amplitude=7.0).validate()
    assert caught.value.where == "rate_rps"


def test_trace_pattern_needs_a_trace_file() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec(pattern="trace").validate()
    assert caught.value.where == "trace"
    assert "needed" in caught.value.message


def test_trace_pattern_reports_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(ConfigError) as caught:
        LoadSpec(pattern="trace", trace=str(missing)).validate()
    assert caught.value.where == "trace"
    assert str(missing) in caught.value.message


def test_trace_pattern_reports_a_malformed_file_at_validation(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "time\n0.5\nsoon\n")
    with pytest.raises(ConfigError, match="line 3"):
        LoadSpec(pattern="trace", trace=path).validate()


def test_a_trace_at_one_instant_cannot_loop(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "time\n3.0\n3.0\n")
    LoadSpec(pattern="trace", trace=path).validate()
    with pytest.raises(ConfigError) as caught:
        LoadSpec(pattern="trace", trace=path, loop=True).validate()
    assert caught.value.where == "loop"


def test_the_trace_file_is_not_checked_for_synthetic_patterns() -> None:
    LoadSpec(pattern="poisson", trace="/no/such/file.csv").validate()


@pytest.mark.parametrize(
    ("pattern", "keys"),
    [
        ("constant", {"pattern", "rate_rps", "size", "size_cv"}),
        ("poisson", {"pattern", "rate_rps", "size", "size_cv"}),
        ("gamma", {"pattern", "rate_rps", "burstiness", "size", "size_cv"}),
        ("onoff", {"pattern", "rate_rps", "on_s", "off_s", "size", "size_cv"}),
        ("ramp", {"pattern", "rate_rps", "ramp_to_rps", "ramp_s", "size", "size_cv"}),
        ("sine", {"pattern", "rate_rps", "amplitude", "period_s", "size", "size_cv"}),
        ("trace", {"pattern", "trace", "speed", "loop"}),
    ],
)
def test_to_dict_holds_only_what_the_pattern_reads(pattern: str, keys: set[str]) -> None:
    assert set(LoadSpec(pattern=pattern, trace="t.csv").to_dict()) == keys


@pytest.mark.parametrize("pattern", [p for p in PATTERNS if p != "trace"])
def test_synthetic_specs_round_trip_through_json(pattern: str) -> None:
    spec = LoadSpec(pattern=pattern, rate_rps=123.5, burstiness=0.5, amplitude=0.25, size_cv=0.3)
    again = LoadSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again.to_dict() == spec.to_dict()


def test_trace_spec_round_trips_through_json(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "time\n0\n1\n")
    spec = LoadSpec(pattern="trace", trace=path, speed=4.0, loop=True)
    assert LoadSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


def test_from_dict_reads_whole_numbers_as_floats() -> None:
    spec = LoadSpec.from_dict({"pattern": "constant", "rate_rps": 100})
    assert isinstance(spec.rate_rps, float)
    assert spec.rate_rps == 100.0


def test_from_dict_names_an_unknown_key_and_suggests_the_near_one() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec.from_dict({"pattern": "poisson", "rate_rsp": 10.0})
    assert caught.value.where == "rate_rsp"
    assert "did you mean 'rate_rps'" in caught.value.message


def test_from_dict_validates() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec.from_dict({"pattern": "sine", "amplitude": 2})
    assert caught.value.where == "amplitude"


def test_from_dict_rejects_something_that_is_not_a_mapping() -> None:
    with pytest.raises(ConfigError, match="object"):
        LoadSpec.from_dict(["poisson"])  # type: ignore[arg-type]


def test_replace_changes_a_setting_and_validates() -> None:
    spec = LoadSpec().replace(rate_rps=50.0)
    assert spec.rate_rps == 50.0
    with pytest.raises(ConfigError) as caught:
        spec.replace(rate_rps=0.0)
    assert caught.value.where == "rate_rps"


def test_replace_names_an_unknown_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec().replace(rps=5.0)
    assert caught.value.where == "rps"


def test_error_text_names_the_field_first() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec(rate_rps=-5).validate()
    assert str(caught.value) == "rate_rps: must be > 0, got -5"


def test_absurd_rates_are_refused_before_anything_is_generated() -> None:
    with pytest.raises(ConfigError, match="rate_rps: must be <= 10000000, got 1000000000000"):
        LoadSpec(rate_rps=1e12).validate()
    with pytest.raises(ConfigError, match="ramp_to_rps: must be <= 10000000"):
        LoadSpec(pattern="ramp", ramp_to_rps=1e30).validate()


def test_every_setting_is_declared_once_as_a_param() -> None:
    names = [f.name for f in dataclasses.fields(LoadSpec)]
    assert "extra" in names  # the patterns' own knobs (Pattern.params), not LOAD_PARAMS
    assert [p.name for p in LOAD_PARAMS] == [name for name in names if name != "extra"]
    spec = LoadSpec()
    assert all(getattr(spec, p.name) == p.default for p in LOAD_PARAMS)
    flags = {p.name: p.cli_flag for p in LOAD_PARAMS}
    assert (flags["rate_rps"], flags["ramp_to_rps"], flags["size_cv"]) == (
        "--rate",
        "--ramp-to",
        "--size-cv",
    )


def test_a_huge_number_is_printed_readably() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec(rate_rps=1e300).validate()
    assert caught.value.message == "must be <= 10000000, got 1e+300"


def test_bursts_faster_than_any_device_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        LoadSpec(pattern="onoff", rate_rps=2000.0, on_s=1.0, off_s=99_999.0).validate()
    assert caught.value.where == "off_s"
    assert "bursts would arrive at 200000000 req/s" in caught.value.message
    LoadSpec(pattern="poisson", rate_rps=2000.0, on_s=1.0, off_s=99_999.0).validate()  # unread


def test_a_looped_trace_faster_than_any_device_is_refused(tmp_path: Path) -> None:
    rows = "".join(f"{i / 100}\n" for i in range(30))  # 30 requests a pass of 0.3 s: 100 req/s
    trace = write(tmp_path / "t.csv", "time\n" + rows)
    LoadSpec(pattern="trace", trace=trace, loop=True, speed=5e4).validate()  # 5e6 req/s
    with pytest.raises(ConfigError) as caught:
        LoadSpec(pattern="trace", trace=trace, loop=True, speed=1e6).validate()
    assert caught.value.where == "speed" and "looped trace would arrive at" in caught.value.message
    LoadSpec(pattern="trace", trace=trace, speed=1e6).validate()  # once through: bounded


@pytest.mark.parametrize(
    "spec",
    [
        LoadSpec(pattern="constant", rate_rps=500.0),
        LoadSpec(pattern="poisson", rate_rps=500.0),
        LoadSpec(pattern="onoff", rate_rps=500.0, on_s=0.5, off_s=4.5),
        LoadSpec(pattern="ramp", rate_rps=100.0, ramp_to_rps=900.0, ramp_s=6.0),
        LoadSpec(pattern="sine", rate_rps=500.0, amplitude=0.9, period_s=7.0),
    ],
    ids=lambda spec: spec.pattern,
)
def test_expected_arrivals_is_what_the_generator_makes(spec: LoadSpec) -> None:
    duration = 8.0
    times, _ = LoadGenerator(spec, seed=1).generate_until(duration)
    assert len(times) == pytest.approx(expected_arrivals(spec, duration), rel=0.05)


def test_expected_arrivals_counts_a_looped_trace_pass_by_pass(tmp_path: Path) -> None:
    trace = write(tmp_path / "t.csv", "time\n0\n1\n2\n")
    spec = LoadSpec(pattern="trace", trace=trace, loop=True, speed=2.0)
    times, _ = LoadGenerator(spec).generate_until(12.0)  # a pass every (2 + 1) / 2 s
    assert len(times) == expected_arrivals(spec, 12.0) == 24
    once = LoadSpec(pattern="trace", trace=trace, speed=2.0)
    assert expected_arrivals(once, 1e6) == 3 and trace_span_s(once) == 1.0
