"""A tiny hostile HTTP server on 127.0.0.1 for tests: every answer is computed by a
handler the test gives (stdlib only; one thread per connection)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from typing_extensions import Self

#: (method, path, headers as a dict with lowercase names, body) -> (status, headers, body)
Handler = Callable[[str, str, dict[str, str], bytes], "tuple[int, dict[str, str], bytes]"]


def _not_found(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
    return 404, {"Content-Type": "application/json"}, b'{"errorCode":"E011006"}'


class HostileServer:
    """Serves `handler` for every POST; GET /v1/mgmt/license answers 404 (the client then
    proceeds without a rate-limit tier). Use as a context manager."""

    def __init__(self, handler: Handler) -> None:
        outer = self
        self.handler = handler
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # quiet: requests may carry secrets

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.requests.append((self.command, self.path, headers, body))
                fn = outer.handler if self.command == "POST" else _not_found
                status, answer_headers, answer = fn(self.command, self.path, headers, body)
                self.send_response(status)
                for name, value in answer_headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = _serve
            do_POST = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def posts(self) -> int:
        """How many POST requests arrived."""
        return sum(1 for r in self.requests if r[0] == "POST")
