"""The chat interface: commands, buttons and conversations, rendered in the user's language.

Handlers are thin: they parse, call a service, and render the result. No SQL here.
"""
