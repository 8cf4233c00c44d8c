"""``omega serve``: Omega's state over HTTP, as JSON, as Server-Sent Events, and as a live page."""
