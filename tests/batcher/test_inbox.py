"""The worker-to-loop inbox: every posted callback runs on the loop, in order, exactly once."""

from __future__ import annotations

import asyncio
import threading

import pytest

import batchtui.engine.batcher.inbox as inbox_module
from batchtui.engine.batcher.inbox import LoopInbox


@pytest.mark.parametrize("gil_holding_write", [True, False])
def test_posts_from_many_threads_all_run_on_the_loop_in_each_threads_order(
    gil_holding_write: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not gil_holding_write:  # the call_soon_threadsafe fallback keeps the same contract
        monkeypatch.setattr(inbox_module, "_WRITE", None)
    seen: list[tuple[int, int, bool]] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop_thread = threading.get_ident()
        inbox = LoopInbox(loop)
        done = asyncio.Event()

        def record(t: int, i: int) -> None:
            seen.append((t, i, threading.get_ident() == loop_thread))
            if len(seen) == 4 * 300:
                done.set()

        def poster(t: int) -> None:
            for i in range(300):
                inbox.post(record, t, i)

        threads = [threading.Thread(target=poster, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        await asyncio.wait_for(done.wait(), 10.0)  # a lost wake-up would hang here
        for th in threads:
            th.join()
        inbox.close()

    asyncio.run(main())
    assert all(on_loop for _, _, on_loop in seen)
    for t in range(4):
        assert [i for u, i, _ in seen if u == t] == list(range(300))


def test_a_failing_callback_is_reported_and_the_rest_still_run() -> None:
    ran: list[int] = []
    errors: list[BaseException] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx["exception"]))
        inbox = LoopInbox(loop)

        def boom() -> None:
            raise ValueError("delivery bug")

        threading.Thread(target=lambda: [inbox.post(boom), inbox.post(ran.append, 1)]).start()
        for _ in range(1000):
            if ran:
                break
            await asyncio.sleep(0.001)
        inbox.close()

    asyncio.run(main())
    assert ran == [1] and [str(e) for e in errors] == ["delivery bug"]
