"""A long fuzz run: random input at every conversation step, counted instead of stopped.

The same stories as tests/test_fuzz_chat.py (each step reached through the chat, then random
text, commands, real and forged buttons, media, edits), for as many inputs as asked. It
prints how many inputs went in, how many exceptions reached the error handler and what kind,
and whether stock, SQLite's integrity check and the foreign keys held after every story.

    .venv/bin/python benchmarks/fuzz_chat.py [--inputs 20000] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from rekobot.settings import Settings
from tests.chat_fuzzer import Fuzzer, Move, moves
from tests.conftest import ADMIN_ID, TOKEN, MovableClock

MOVES = (12, 16)


def run(inputs: int, random_seed: int, database: Path) -> Fuzzer:
    """Play stories until ``inputs`` random inputs went in; return the fuzzer with its counts."""
    loop = asyncio.new_event_loop()
    bot_settings = Settings(
        _env_file=None,
        token=TOKEN,
        database=database,
        admin_ids=frozenset({ADMIN_ID}),
        default_locale="nb",
    )
    fuzz = Fuzzer(
        bot_settings, MovableClock(datetime(2026, 11, 30, 10, tzinfo=UTC)), raise_errors=False
    )
    loop.run_until_complete(fuzz.start())
    stories = inputs // MOVES[0] + 1

    @seed(random_seed)
    @settings(
        max_examples=stories,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(random_moves=st.lists(moves(), min_size=MOVES[0], max_size=MOVES[1]))
    def story(random_moves: list[Move]) -> None:
        if fuzz.inputs < inputs:
            loop.run_until_complete(fuzz.story(fuzz.next_step(), random_moves))

    try:
        story()
    finally:
        loop.run_until_complete(fuzz.stop())
        loop.close()
    return fuzz


def main() -> int:
    """Run, print the figures, and fail when anything broke."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=20_000, help="random inputs to send")
    parser.add_argument("--seed", type=int, default=1, help="hypothesis seed")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # refusals and odd buttons are logged at INFO
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        fuzz = run(args.inputs, args.seed, Path(folder) / "fuzz.sqlite3")
        elapsed = time.perf_counter() - started
    kinds = collections.Counter(type(error).__name__ for error in fuzz.bot.errors)
    print(f"random inputs:        {fuzz.inputs}")
    print(f"stories:              {fuzz.stories} ({elapsed:.1f} s, all updates included)")
    print(f"steps reached:        {dict(sorted(fuzz.reached.items()))}")
    print(f"steps not reached:    {len(fuzz.unreached)} (the way changed in an earlier story)")
    for reason in fuzz.unreached[:3]:
        print(f"  {reason[:160]}")
    print(f"exceptions:           {len(fuzz.bot.errors)} {dict(kinds)}")
    for error in fuzz.bot.errors[:10]:
        print(f"  {type(error).__name__}: {str(error)[:200]}")
    print(f"data problems:        {len(fuzz.problems)}")
    for problem in fuzz.problems[:10]:
        print(f"  {problem}")
    return 1 if fuzz.bot.errors or fuzz.problems else 0


if __name__ == "__main__":
    sys.exit(main())
