"""The buttons of an open question (prefix "aform", kept from the admin forms it grew out of)."""

from __future__ import annotations

import dataclasses

from handlers.callbacks import Callback


@dataclasses.dataclass(frozen=True)
class FormAction(Callback, prefix="aform"):
    """A button of an open form: ask, pick, skip, back, save, confirm or cancel.

    ``token`` must match the user's open question, so a button of an older form is refused.
    """

    token: int
    action: str
    arg: int
