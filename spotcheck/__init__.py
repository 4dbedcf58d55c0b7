"""The domain of 双随机、一公开: pure rules, no Telegram, no SQL, no clock of its own."""
