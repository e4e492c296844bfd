"""The proxy and CA options: checked at construction (CONFIG, credentials never shown),
used for a non-loopback base URL (the proxy sees only a CONNECT), never for loopback.
The TLS and tunnel path end to end is tested in the core (core/tests/network.rs)."""

from __future__ import annotations

import pathlib
import socket
import threading
from collections.abc import Iterator

import descope_mgmt as dm
import pytest
from conftest import Emulator


class RecordingProxy:
    """A TCP listener on 127.0.0.1 that records what each connection sends first, then
    closes it (a proxy that refuses every tunnel)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://ci-user:hunter22-proxy@127.0.0.1:{self.sock.getsockname()[1]}"
        self.heads: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.heads.append(data.decode("latin-1"))
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n")


@pytest.fixture()
def proxy() -> Iterator[RecordingProxy]:
    p = RecordingProxy()
    yield p
    p.sock.close()


def test_a_bad_proxy_is_a_config_error_that_never_shows_its_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kwargs = {"project_id": "P2x", "management_key": "K2key", "base_url": "https://api.descope.com"}
    with pytest.raises(dm.ConfigError) as info:
        dm.Client(**kwargs, proxy="socks5://u:hunter22@127.0.0.1:1")
    assert "proxy is not a usable proxy URL" in str(info.value)
    assert "hunter22" not in str(info.value) and "hunter22" not in repr(info.value)
    monkeypatch.setenv("HTTPS_PROXY", "ftp://u:hunter22@127.0.0.1:1")
    with pytest.raises(dm.ConfigError) as info:
        dm.Client(**kwargs)
    assert str(info.value).startswith("CONFIG: HTTPS_PROXY is not") and "hunter22" not in str(info.value)
    # An empty proxy turns the environment's off.
    dm.Client(**kwargs, proxy="").close()


def test_an_unreadable_ca_bundle_is_a_config_error(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kwargs = {"project_id": "P2x", "management_key": "K2key", "base_url": "https://api.descope.com"}
    missing = tmp_path / "missing.pem"
    for value in (missing, str(missing)):
        with pytest.raises(dm.ConfigError) as info:
            dm.Client(**kwargs, ca_bundle=value)
        assert str(missing) in str(info.value)
    empty = tmp_path / "empty.pem"
    empty.write_text("no certificate here\n")
    monkeypatch.setenv("DESCOPE_MGMT_CA_BUNDLE", str(empty))
    with pytest.raises(dm.ConfigError) as info:
        dm.Client(**kwargs)
    assert "DESCOPE_MGMT_CA_BUNDLE" in str(info.value) and "holds no certificate" in str(info.value)
    with pytest.raises(TypeError):
        dm.Client(**kwargs, ca_bundle=5)  # type: ignore[arg-type]


def test_a_non_loopback_call_goes_through_the_proxy_as_a_tunnel(emu: Emulator, proxy: RecordingProxy) -> None:
    with dm.Client(
        project_id=emu.project_id,
        management_key=emu.management_key,
        base_url="https://api.mgmt-test.invalid",
        proxy=proxy.url,
        max_retries=0,
    ) as client:
        with pytest.raises(dm.ConnectionError) as info:
            client.rotate_access_key("K2active")
    assert "hunter22" not in str(info.value)
    assert proxy.heads, "the proxy saw no connection"
    for head in proxy.heads:
        assert head.startswith("CONNECT api.mgmt-test.invalid:443 "), head
        assert "proxy-authorization: basic" in head.lower()
        assert emu.management_key not in head


def test_loopback_never_goes_through_the_proxy(
    emu: Emulator, proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("ALL_PROXY", proxy.url)
    with dm.Client(**emu.client_kwargs(), proxy=proxy.url) as client:
        client.rotate_access_key("K2active")
    assert proxy.heads == []
