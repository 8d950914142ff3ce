"""The domain core: rules, watches, alerts, products and prices. Imports nothing of the app."""
