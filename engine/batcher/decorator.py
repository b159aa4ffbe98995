"""``@batch``: a function of a list made callable one item at a time, like Ray's ``@serve.batch``.

On a method, each instance gets its own batcher (the handler is bound to that instance).
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable
from typing import Any

from batchtui.engine.batcher.batcher import Batcher, Handler


class Batched:
    """The decorated function: ``await f(item)`` returns that item's result.

    ``f.batcher`` is the ``Batcher`` behind it (for ``stats``, ``update``, ``metrics``,
    ``aclose``); it is made on first use, so decorating needs no event loop.
    """

    def __init__(self, fn: Handler, kind: str, options: dict[str, Any]) -> None:
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._kind = kind
        self._options = {"name": getattr(fn, "__qualname__", "batcher"), **options}
        self._batcher: Batcher | None = None
        self._per_instance: weakref.WeakKeyDictionary[Any, Batched] = weakref.WeakKeyDictionary()
        Batcher(fn, kind, **self._options)  # check the settings now, where they are written

    @property
    def batcher(self) -> Batcher:
        if self._batcher is None:
            self._batcher = Batcher(self._fn, self._kind, **self._options)
        return self._batcher

    async def __call__(self, item: Any) -> Any:
        return await self.batcher(item)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            store: Any = self._per_instance
            bound = store.get(instance)
            key = instance
        except TypeError:  # unhashable or not weak-referenceable: keep it on the instance
            store, key = vars(instance), f"_batchtui_{self.__name__}"
            bound = store.get(key)
        if bound is None:
            bound = store[key] = self._bind(instance)
        return bound

    def _bind(self, instance: Any) -> Batched:
        fn = functools.partial(self._fn, instance)  # type: ignore[arg-type]
        functools.update_wrapper(fn, self._fn)
        return Batched(fn, self._kind, self._options)


def batch(
    kind: str | Callable[..., Any] = "static", /, **options: Any
) -> Callable[[Handler], Batched] | Batched:
    """Decorate ``fn(items: list) -> list`` (sync or async) so callers pass one item.

    ``@batch("dynamic", max_batch_size=32, target_latency_ms=20)``: the policy kind and its
    parameters, plus any ``Batcher`` option (``name``, ``max_queue``, ...). Bare ``@batch``
    is static batching with the default limits.
    """
    if callable(kind):
        return Batched(kind, "static", options)
    return lambda fn: Batched(fn, kind, options)
