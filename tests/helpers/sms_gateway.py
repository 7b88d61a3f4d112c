"""A local SMSAPI-like HTTP gateway on 127.0.0.1 (http.server in a thread) that records every request."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from helpers.local_http import serve


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    peer: Any


@dataclass
class Gateway:
    """Answers with `replies` first (HTTP status, JSON body), once each, then like SMSAPI on success."""

    requests: list[Request] = field(default_factory=list)
    replies: list[tuple[int, Any]] = field(default_factory=list)
    url: str = ""

    @property
    def connections(self) -> int:
        return len({r.peer for r in self.requests})

    def answer(self, form: dict[str, str]) -> tuple[int, Any]:
        if self.replies:
            return self.replies.pop(0)
        n = len(self.requests) - 1  # this request is already recorded
        return 200, {"count": 1, "list": [{"id": f"ID{n}", "points": 0.16, "number": form.get("to"),
                                           "status": "QUEUE", "parts": 1, "error": None}]}


@contextmanager
def sms_gateway(gateway: Gateway) -> Iterator[Gateway]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, so a batch can reuse one connection

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode("utf-8")
            form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
            gateway.requests.append(Request(self.path, dict(self.headers.items()), form, self.client_address))
            status, data = gateway.answer(form)
            payload = data if isinstance(data, bytes) else json.dumps(data).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serve(Handler) as base:
        gateway.url = base + "/api"
        yield gateway
