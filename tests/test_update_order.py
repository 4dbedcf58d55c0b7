"""ChatOrderedProcessor on its own: a chat's backlog waits for its turn without taking a slot,
and each chat's and each user's updates still run one at a time, in the order they came.

Updates are started as PTB starts them, one task each in the order fetched."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime

from telegram import Chat, Message, Update, User

from bot.update_order import ChatOrderedProcessor

GROUP_A, GROUP_B = -1001, -1002
ALICE, BOB = 11, 12
STUCK = 5.0  # seconds after which an update that should have run counts as held up


def sent(update_id: int, chat_id: int, user_id: int) -> Update:
    """A message from ``user_id`` in ``chat_id`` (private when they are the same)."""
    chat = Chat(chat_id, Chat.PRIVATE if chat_id == user_id else Chat.SUPERGROUP)
    user = User(user_id, f"user{user_id}", is_bot=False)
    message = Message(update_id, datetime.now(UTC), chat, from_user=user)
    return Update(update_id, message=message)


class Log:
    """Handlers that note when each update starts and ends."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def quick(self, name: str) -> None:
        self.events.append(f"{name} start")
        await asyncio.sleep(0)
        self.events.append(f"{name} end")

    async def until(self, name: str, release: asyncio.Event) -> None:
        self.events.append(f"{name} start")
        await release.wait()
        self.events.append(f"{name} end")

    def started(self) -> list[str]:
        return [e.removesuffix(" start") for e in self.events if e.endswith(" start")]


def start(
    processor: ChatOrderedProcessor, update: Update, handler: Awaitable[None]
) -> asyncio.Task[None]:
    return asyncio.create_task(processor.process_update(update, handler))


async def finish(processor: ChatOrderedProcessor, tasks: list[asyncio.Task[None]]) -> None:
    await asyncio.gather(*tasks)
    assert processor.chats_in_flight == 0  # no lock outlives its chat's last update


async def test_a_chats_backlog_does_not_hold_up_another_chat() -> None:
    processor, log, release = ChatOrderedProcessor(2), Log(), asyncio.Event()
    tasks = [start(processor, sent(1, GROUP_A, ALICE), log.until("A1", release))]
    # more of chat A's updates waiting behind its slow one than there are slots
    tasks += [start(processor, sent(n, GROUP_A, ALICE), log.quick(f"A{n}")) for n in (2, 3, 4)]
    other_chat = start(processor, sent(5, GROUP_B, BOB), log.quick("B"))

    await asyncio.wait_for(asyncio.shield(other_chat), STUCK)
    assert log.events == ["A1 start", "B start", "B end"]
    release.set()
    await finish(processor, [*tasks, other_chat])
    assert log.started() == ["A1", "B", "A2", "A3", "A4"]


async def test_one_chats_updates_run_one_at_a_time_in_the_order_they_came() -> None:
    processor, log = ChatOrderedProcessor(8), Log()

    async def slower_first(name: str, turns: int) -> None:
        log.events.append(f"{name} start")
        for _ in range(turns):  # had they run together, the later ones would end first
            await asyncio.sleep(0)
        log.events.append(f"{name} end")

    senders = [ALICE, BOB, ALICE, BOB, ALICE]
    tasks = [
        start(processor, sent(n, GROUP_A, user), slower_first(f"A{n}", 10 - n))
        for n, user in enumerate(senders)
    ]
    await finish(processor, tasks)

    assert log.events == [f"A{n} {when}" for n in range(len(senders)) for when in ("start", "end")]


async def test_a_users_updates_in_two_chats_run_in_the_order_he_sent_them() -> None:
    processor, log, release = ChatOrderedProcessor(8), Log(), asyncio.Event()
    tasks = [
        start(processor, sent(1, GROUP_A, BOB), log.until("Bob in the group", release)),
        # Alice presses in the group, where Bob's update is still running, then writes privately
        start(processor, sent(2, GROUP_A, ALICE), log.quick("Alice in the group")),
        start(processor, sent(3, ALICE, ALICE), log.quick("Alice in private")),
    ]
    # an unrelated chat runs at once; by the time it is done, anything free to run has started
    await start(processor, sent(4, GROUP_B, BOB + 1), log.quick("elsewhere"))

    assert log.started() == ["Bob in the group", "elsewhere"]
    release.set()
    await finish(processor, tasks)
    assert log.started() == [
        "Bob in the group",
        "elsewhere",
        "Alice in the group",
        "Alice in private",
    ]


async def test_no_more_updates_run_at_once_than_allowed() -> None:
    processor, log, release = ChatOrderedProcessor(2), Log(), asyncio.Event()
    tasks = [start(processor, sent(n, -n, n), log.until(f"chat{n}", release)) for n in (1, 2, 3)]
    await asyncio.sleep(0.01)

    assert log.started() == ["chat1", "chat2"]
    assert processor.current_concurrent_updates == 2
    release.set()
    await finish(processor, tasks)
    assert processor.current_concurrent_updates == 0


async def test_an_update_cancelled_while_waiting_lets_the_next_one_wait_for_the_running_one() -> (
    None
):
    processor, log, release = ChatOrderedProcessor(8), Log(), asyncio.Event()
    running = start(processor, sent(1, GROUP_A, ALICE), log.until("first", release))
    given_up = start(processor, sent(2, GROUP_A, ALICE), log.quick("given up"))
    after = start(processor, sent(3, GROUP_A, BOB), log.quick("after"))
    await asyncio.sleep(0.01)
    given_up.cancel()
    await asyncio.sleep(0.01)

    assert log.started() == ["first"]
    release.set()
    await finish(processor, [running, after])
    assert log.events == ["first start", "first end", "after start", "after end"]


async def test_a_failing_update_frees_its_chat() -> None:
    processor, log = ChatOrderedProcessor(8), Log()

    async def fail() -> None:
        raise RuntimeError("handler failed")

    failing = start(processor, sent(1, GROUP_A, ALICE), fail())
    later = start(processor, sent(2, GROUP_A, ALICE), log.quick("later"))
    await asyncio.gather(failing, return_exceptions=True)
    await finish(processor, [later])

    assert log.events == ["later start", "later end"]
