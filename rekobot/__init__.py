"""rekobot: a Telegram bot that takes a REKO ring's ordering off Facebook."""
