"""The weekly newsletter: subscriptions, composition, sending, scheduling and the archive."""
