"""``omega notify``: events and fleet alerts carried to webhooks and chats, none lost or repeated.

A sink reads every symbol's events stream (and the fleet alerts stream) through a Redis
consumer group of its own, and acknowledges an entry only once the sink accepted it, so a
restart resumes where it stopped. The event id travels as the idempotency key.
"""
