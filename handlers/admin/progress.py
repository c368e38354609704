"""The admin's progress message of a broadcast: sent, failed and blocked out of the total."""

from __future__ import annotations

import dataclasses

from handlers.admin.buttons import AdminHome
from handlers.callbacks import Callback
from handlers.replies import button
from handlers.sending import Button
from rekobot.i18n import _, number
from rekobot.models.messaging import BroadcastStatus
from rekobot.services.deliveries import BroadcastProgress


@dataclasses.dataclass(frozen=True)
class StopBroadcast(Callback, prefix="abstop"):
    """Stop a running broadcast (the deliveries not yet sent are cancelled)."""

    broadcast_id: int


def progress_text(progress: BroadcastProgress) -> str:
    """Render the progress of a broadcast in the current locale."""
    counts = progress.counts
    status = progress.broadcast.status
    if status is BroadcastStatus.DONE:
        head = _("✅ <b>Broadcast sent.</b>")
    elif status is BroadcastStatus.STOPPED:
        head = _("⏹ <b>Broadcast stopped.</b>")
    else:
        head = _("📣 <b>Sending the broadcast…</b>")
    lines = [
        head,
        _("Sent: {sent} of {total}").format(sent=number(counts.sent), total=number(counts.total)),
        _("Failed: {n}").format(n=number(counts.failed)),
        _("Blocked the bot: {n}").format(n=number(counts.blocked)),
    ]
    if counts.open:
        lines.append(_("Still to go: {n}").format(n=number(counts.open)))
    if counts.cancelled:
        lines.append(_("Not sent (stopped): {n}").format(n=number(counts.cancelled)))
    return "\n".join(lines)


def progress_rows(progress: BroadcastProgress) -> list[list[Button]]:
    """A stop button while the broadcast is going out; once sent or stopped, the way on."""
    if progress.broadcast.status is not BroadcastStatus.SENDING:
        return [[button(_("⚙️ Ring menu"), AdminHome(progress.broadcast.ring_id))]]
    return [[button(_("⏹ Stop sending"), StopBroadcast(progress.broadcast.id))]]
