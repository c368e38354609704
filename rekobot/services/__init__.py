"""Services: the rules of a REKO ring. They never import telegram.

Each service takes the acting user's id and checks that user's role and ownership itself.
"""
