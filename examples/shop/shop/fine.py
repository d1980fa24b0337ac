"""Async code done right: asyncheck has nothing to say here."""
import asyncio
import time

background_tasks: set[asyncio.Task[None]] = set()


def warm_cache() -> None:
    time.sleep(0.1)  # sync code may block


async def start() -> None:
    await asyncio.to_thread(warm_cache)
    task = asyncio.create_task(asyncio.sleep(1))
    background_tasks.add(task)
    task.add_done_callback(background_tasks.discard)
    loop = asyncio.get_running_loop()
    loop.call_soon(print, "started")
