"""No test may touch the internet: only loopback addresses can be resolved or connected to."""

from __future__ import annotations

import ipaddress
import socket

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class RealNetworkAccess(RuntimeError):
    """A test tried to reach a host that is not this machine."""


def is_loopback(host: object) -> bool:
    if host is None:
        return True  # bind to all interfaces of a local server
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host in LOCAL_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def install_guard() -> None:
    """Patch name resolution and connect so that any non-loopback destination raises."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if not is_loopback(host):
            raise RealNetworkAccess(f"tests may not resolve {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):  # type: ignore[index]
            raise RealNetworkAccess(f"tests may not connect to {address!r}")

    def connect(self, address):  # noqa: ANN001, ANN202
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):  # noqa: ANN001, ANN202
        check(self, address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
