"""The open question of a user, as typed data, read from the database for every update.

A form's draft is a pydantic model the form declares; it is stored as JSON and validated when
it is read back, so a draft written by an older version that no longer fits is dropped (and
the user starts the form again) instead of failing halfway through.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError

from handlers.context import Ctx
from storage import questions
from storage.questions import OpenQuestion

log = logging.getLogger(__name__)

D = TypeVar("D", bound=BaseModel)


def new_token() -> int:
    """A fresh token for a form's buttons."""
    return secrets.randbelow(2**31 - 1) + 1


@dataclass
class FormState(Generic[D]):
    """An open form: whose, which one, what it is about, its draft and what it asks now."""

    user_id: int
    kind: str
    ring_id: int
    draft: D
    target_id: int = 0
    asking: str = ""
    token: int = field(default_factory=new_token)


class EmptyDraft(BaseModel):
    """The draft of a form that keeps nothing between its steps."""


async def load_question(context: Ctx, user_id: int) -> OpenQuestion | None:
    """The stored open question of a user, not yet read as a form's draft."""
    return await questions.get(context.bot_data.services.db, user_id)


def read_draft(question: OpenQuestion, draft_type: type[D]) -> FormState[D] | None:
    """The question as a form state; None when its draft no longer fits the form."""
    try:
        draft = draft_type.model_validate_json(question.draft)
    except ValidationError as exc:
        log.warning(
            "dropping the unreadable %s draft of user %s: %s", question.kind, question.user_id, exc
        )
        return None
    return FormState(
        user_id=question.user_id,
        kind=question.kind,
        ring_id=question.ring_id,
        target_id=question.target_id,
        draft=draft,
        asking=question.asking,
        token=question.token,
    )


async def save_question(context: Ctx, state: FormState[D]) -> None:
    """Store the open question (replacing the user's previous one)."""
    services = context.bot_data.services
    question = OpenQuestion(
        user_id=state.user_id,
        kind=state.kind,
        ring_id=state.ring_id,
        target_id=state.target_id,
        asking=state.asking,
        draft=state.draft.model_dump_json(),
        token=state.token,
    )
    await questions.put(services.db, question, services.clock())


async def drop_question(context: Ctx, user_id: int) -> None:
    """Close the user's open question; its draft is dropped."""
    await questions.delete(context.bot_data.services.db, user_id)
