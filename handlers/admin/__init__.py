"""The ring admin's side: /admin, rings, places, pickups, broadcasts, members and overview.

Everything an admin does runs in one persistent conversation (``conversation.py``). Every
button asks a service, and the service checks again that the user runs the ring.
"""
