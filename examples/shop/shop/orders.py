"""Order handling."""
import asyncio
import time


async def reserve_stock(order_id: int) -> None:
    # Blocks the event loop for a whole second: every other request waits.
    time.sleep(1)
    print(f"reserved {order_id}")


async def place_order(order_id: int) -> None:
    loop = asyncio.get_event_loop()
    # The task can be garbage-collected before it finishes.
    asyncio.create_task(reserve_stock(order_id))
    await asyncio.sleep(0.1, loop=loop)


async def charge(order_id: int) -> bool:
    try:
        await asyncio.wait_for(asyncio.sleep(1), timeout=0.5)
    except asyncio.TimeoutError:
        return False
    return True


async def nightly_report() -> None:
    # asyncio.run cannot be called from a running event loop.
    asyncio.run(place_order(0))
