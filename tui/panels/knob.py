"""A knob's slider built from its ``Param`` declaration, for lane panels and the load bar alike."""

from __future__ import annotations

from collections.abc import Callable

from batchtui.engine.params import Param
from batchtui.tui.widgets.slider import Slider


def param_slider(
    param: Param,
    value: float,
    *,
    check: Callable[[float], object],
    name: str,
    id: str,
    **options: object,
) -> Slider:
    """A slider as ``param`` declares it (range, scale, ladder, label, unit); typed values must
    pass ``check``."""
    spec = param.slider_range
    assert spec is not None  # only asked for knobs that have a slider
    return Slider(
        spec.low,
        spec.high,
        float(value),
        scale=spec.scale,  # type: ignore[arg-type]
        integer=param.kind is int,
        zero=spec.zero,
        ladder=spec.ladder,  # type: ignore[arg-type]
        check=check,  # type: ignore[arg-type]
        label=param.short[:6],
        unit=param.unit,
        name=name,
        id=id,
        **options,  # type: ignore[arg-type]
    )


def slider_params(table: tuple[Param, ...]) -> list[Param]:
    """The knobs of ``table`` that have a slider, in the order their declarations rank them."""
    with_slider = [p for p in table if p.slider_range is not None]
    return sorted(with_slider, key=lambda p: p.slider_range.rank)  # type: ignore[union-attr]
