"""The price feed: its HTTP client and the product catalog read through it."""
