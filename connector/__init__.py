"""How the bot talks to channels: reused connector clients, tuned for our own retries."""
