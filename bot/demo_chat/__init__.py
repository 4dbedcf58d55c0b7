"""`shuangsuiji demo`'s chat: a scripted conversation with the real bot on an in-process Bot API."""
