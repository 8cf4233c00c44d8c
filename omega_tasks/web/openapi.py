"""The OpenAPI 3.1 document, built from the endpoints' own declarations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omega_tasks.web.api import Endpoint

ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}


def document(endpoints: Sequence[Endpoint], version: str) -> dict[str, Any]:
    """The schema of every GET endpoint: its parameters, its answers and its errors."""
    paths: dict[str, Any] = {}
    for endpoint in endpoints:
        stream = endpoint.path == "/api/stream"
        ok = ({"text/event-stream": {"schema": {"type": "string"}}} if stream
              else {"application/json": {"schema": {"type": "object"}}})
        paths[endpoint.path] = {"get": {
            "summary": endpoint.summary,
            "parameters": [p.schema() for p in endpoint.params],
            "responses": {
                "200": {"description": "OK", "content": ok},
                "400": {"description": "a parameter is unknown, malformed or out of range",
                        "content": {"application/json": {"schema": ERROR}}},
                "401": {"description": "a token is configured and none or a wrong one came",
                        "content": {"application/json": {"schema": ERROR}}},
                "404": {"description": "no data for the exchange and symbol named",
                        "content": {"application/json": {"schema": ERROR}}},
            },
        }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Omega", "version": version,
                 "description": "Read-only access to Omega's events, bars, snapshots and "
                                "health. Times are epoch milliseconds, UTC."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{}, {"bearer": []}],
        "paths": paths,
    }
