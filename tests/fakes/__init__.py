"""Telegram's Bot API, faked at its HTTP edge, for tests that run without a network.

One module a concern:

- `calls`: what every part shares: `Call`, `UploadedFile`, keyboards, `plain` (the one helper
  that folds Babel's no-break spaces for assertions).
- `html`: Telegram's HTML rendered to text and entities, or refused.
- `failures`: scripted failures (any status, rate limits, blocks, lost answers).
- `api`: `FakeBotApi`, the memory of a pretend Bot API (calls, chats, messages, files, waits).
- `answers`: what each method answers and what it refuses, as Telegram does.
- `request`: `RecordingRequest`, the in-process PTB request that answers from the fake.
- `updates`: `TgUser` and `UpdateFactory`, real Update JSON as Telegram delivers it.
- `driver`: `BotDriver`, a person typing and tapping in a chat.
- `server`: `BotApiServer`, the same fake on loopback HTTP, for tests that run the bot as a
  process; `wire` decodes the request bodies it receives.
"""
