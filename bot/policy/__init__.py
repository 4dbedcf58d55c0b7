"""The policy documents the bot ships and answers questions from."""
