"""The message catalogs, shipped inside the package so an installed rekobot speaks every language.

``messages.pot`` and ``<lang>/LC_MESSAGES/messages.po`` are package data of this package;
``rekobot.i18n`` finds them through ``importlib.resources``, so a wheel installed anywhere reads
the same files as a checkout. There is no code here.
"""
