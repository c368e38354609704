"""How the bot asks a question in the chat and waits for the answer, for every role.

``handlers.forms.engine`` holds the ``Form`` class and the functions that open, ask and close
a form; ``handlers.forms.state`` keeps the one open question per user in the database.
"""
