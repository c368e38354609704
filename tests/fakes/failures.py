"""Scripted failures of the fake Bot API: error answers, rate limits, blocks and lost answers.

`ScriptedFailures` is mixed into `FakeBotApi`; `ApiError` is the error answer every method
handler raises, as Telegram would give it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from tests.fakes.calls import JSON, Call, chat_key


class ApiError(Exception):
    """An error answer, as Telegram would give it."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


#: Scripted "no answer" statuses (see FakeBotApi.time_out); never sent as HTTP statuses.
LOST = 0
LOST_DELIVERED = -1


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Failure:
    """A scripted failure: which calls it hits, how often, and what they get."""

    status: int
    description: str
    parameters: JSON | None
    times: int | None  # None: every matching call until clear_failures()
    chat_id: int | str | None
    method: str | None
    when: Callable[[Call], bool] | None

    def matches(self, call: Call) -> bool:
        if self.method is not None and call.method.lower() != self.method.lower():
            return False
        if self.chat_id is not None and call.chat_id != self.chat_id:
            return False
        return self.when is None or self.when(call)


class ScriptedFailures:
    """The failure script of a fake Bot API: which calls fail next, and how."""

    _lock: threading.RLock
    _failures: list[Failure]

    def fail(
        self,
        status: int,
        description: str,
        *,
        parameters: JSON | None = None,
        chat_id: int | str | None = None,
        method: str | None = None,
        when: Callable[[Call], bool] | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer the next `times` matching calls with this error (None: until cleared).

        A rule without chat_id, method or when matches every call, getMe included.
        """
        with self._lock:
            self._failures.append(
                Failure(
                    status=status,
                    description=description,
                    parameters=parameters,
                    times=times,
                    chat_id=None if chat_id is None else chat_key(chat_id),
                    method=method,
                    when=when,
                )
            )

    def rate_limit(
        self,
        chat_id: int | str | None = None,
        *,
        retry_after: int = 1,
        times: int | None = 1,
        method: str | None = None,
        when: Callable[[Call], bool] | None = None,
    ) -> None:
        """Answer the next matching calls with 429 Too Many Requests (PTB raises RetryAfter)."""
        self.fail(
            429,
            f"Too Many Requests: retry after {retry_after}",
            parameters={"retry_after": retry_after},
            chat_id=chat_id,
            method=method,
            when=when,
            times=times,
        )

    def block(
        self,
        chat_id: int | str | None = None,
        *,
        times: int | None = None,
        method: str | None = None,
        when: Callable[[Call], bool] | None = None,
    ) -> None:
        """Answer matching calls with 403 "bot was blocked by the user" (PTB raises Forbidden)."""
        self.fail(
            403,
            "Forbidden: bot was blocked by the user",
            chat_id=chat_id,
            method=method,
            when=when,
            times=times,
        )

    def time_out(
        self,
        *,
        chat_id: int | str | None = None,
        method: str | None = None,
        when: Callable[[Call], bool] | None = None,
        times: int | None = 1,
        delivered: bool = False,
    ) -> None:
        """Give the next matching calls no answer: PTB raises TimedOut (the loopback server drops
        the connection instead). With `delivered`, Telegram did the call and only its answer was
        lost, as when a timeout strikes after the message went out.
        """
        self.fail(
            LOST_DELIVERED if delivered else LOST,
            "no answer (timed out)",
            chat_id=chat_id,
            method=method,
            when=when,
            times=times,
        )

    def clear_failures(self) -> None:
        """Forget every scripted failure."""
        with self._lock:
            self._failures.clear()

    def _take_failure(self, call: Call) -> ApiError | None:
        for failure in self._failures:
            if failure.matches(call):
                if failure.times is not None:
                    failure.times -= 1
                    if failure.times <= 0:
                        self._failures.remove(failure)
                return ApiError(failure.status, failure.description, failure.parameters)
        return None
