"""Loaded by the test subprocesses through PYTHONPATH: refuses and records every internet access.

The pipeline must run with no internet (network isolation, VPCs without NAT). Each attempt to resolve a
name or connect to a non-loopback address is appended to $NETWORK_GUARD_LOG and fails as if offline, so a
test can assert that a whole training or evaluation run never tried.
"""

import ipaddress
import os
import socket

_LOG = os.environ.get("NETWORK_GUARD_LOG")
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _record(what):
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(f"{what}\n")


def _is_local(host):
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _is_local(host):
        _record(f"getaddrinfo {host}")
        raise socket.gaierror(socket.EAI_NONAME, f"name resolution blocked by the test network guard: {host}")
    return _getaddrinfo(host, *args, **kwargs)


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
        _record(f"connect {address}")
        raise OSError(f"network access blocked by the test network guard: {address}")


def _guarded_connect(self, address):
    _check(self, address)
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    _check(self, address)
    return _connect_ex(self, address)


socket.getaddrinfo = _guarded_getaddrinfo
socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
