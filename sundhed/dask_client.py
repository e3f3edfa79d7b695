"""Connecting a sweep to Dask, safely.

Dask sends tasks and results as pickles, so whoever runs the scheduler (or sits between it and us on an
unencrypted link) can run code on this machine. Rules:

* Only the scheduler the user names with ``--scheduler`` is used (never one from the environment or the
  Dask config), and it must be ``local``, ``tls://host:port`` or ``tcp://`` on this machine (loopback).
* ``tls://`` uses Dask's security settings: ``--tls-ca-file``, ``--tls-cert``, ``--tls-key`` or, when these
  are not given, the ``distributed.comm.tls`` section of the Dask config (``distributed.Security()``).
  Encryption is then required on every connection.
* ``tcp://`` to another machine is refused unless ``--allow-insecure-scheduler`` says that network is
  trusted.
* An unreachable scheduler gives one line after ``timeout`` seconds (default 5).
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

#: Seconds to wait for a scheduler before giving up.
CONNECT_TIMEOUT_S = 5.0


class SchedulerError(ValueError):
    """A Dask scheduler address is refused or cannot be reached; the message is one printable line."""


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_scheduler(address: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``tcp://host:port`` / ``tls://host:port``; SchedulerError otherwise."""
    parts = urlsplit(address)
    if parts.scheme not in ("tcp", "tls"):
        raise SchedulerError(f"scheduler {address!r}: use 'local', tls://host:port or tcp://127.0.0.1:port")
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None or parts.path not in ("", "/"):
        raise SchedulerError(f"scheduler {address!r}: expected {parts.scheme}://host:port")
    return parts.scheme, parts.hostname, port


def security_for(tls_ca_file: str | None = None, tls_cert: str | None = None, tls_key: str | None = None):
    """A ``distributed.Security`` requiring encryption, from the given files or the Dask config."""
    from distributed import Security

    if tls_ca_file or tls_cert or tls_key:
        missing = [n for n, v in (("--tls-ca-file", tls_ca_file), ("--tls-cert", tls_cert)) if not v]
        if missing:
            raise SchedulerError(f"TLS needs {' and '.join(missing)} as well")
        return Security(tls_ca_file=tls_ca_file, tls_client_cert=tls_cert, tls_client_key=tls_key,
                        require_encryption=True)
    sec = Security(require_encryption=True)  # reads distributed.comm.tls.* from the Dask config
    if not getattr(sec, "tls_ca_file", None):
        raise SchedulerError("a tls:// scheduler needs --tls-ca-file and --tls-cert (or the "
                             "distributed.comm.tls settings of the Dask config)")
    return sec


def check_scheduler(address: str, *, security=None, allow_insecure: bool = False) -> None:
    """Refuse scheduler addresses that would expose this machine (see the module docstring)."""
    if address == "local":
        return
    scheme, host, _ = parse_scheduler(address)
    if scheme == "tls":
        if security is None:
            raise SchedulerError(f"scheduler {address}: tls:// needs TLS settings (--tls-ca-file, --tls-cert)")
        return
    if security is not None:
        raise SchedulerError(f"scheduler {address}: TLS settings were given, so use tls:// instead of tcp://")
    if not _is_loopback(host) and not allow_insecure:
        raise SchedulerError(f"scheduler {address}: unencrypted tcp:// to another machine is refused (results "
                             "come back as pickles, which can run code here); use tls:// with --tls-ca-file "
                             "and --tls-cert, or --allow-insecure-scheduler on a network you trust")


def connect(address: str, *, security=None, allow_insecure: bool = False, timeout: float = CONNECT_TIMEOUT_S,
            local_workers: int = 2):
    """``(client, cluster)`` for a checked address; ``cluster`` is the LocalCluster for ``local`` (else None).

    Raises SchedulerError (one line) when the address is refused or nothing answers within ``timeout`` s."""
    from distributed import Client, LocalCluster

    check_scheduler(address, security=security, allow_insecure=allow_insecure)
    if address == "local":
        cluster = LocalCluster(n_workers=local_workers, processes=True, threads_per_worker=1,
                               dashboard_address=None, host="127.0.0.1")
        return Client(cluster, timeout=timeout), cluster
    _, host, port = parse_scheduler(address)
    try:  # a fast, quiet answer for a host that does not resolve or refuses at once
        socket.getaddrinfo(host, port)
    except OSError as exc:
        raise SchedulerError(f"scheduler {address}: cannot resolve {host!r} ({exc.strerror or exc})") from None
    try:
        client = Client(address, security=security, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise SchedulerError(f"scheduler {address} is not reachable within {timeout:g} s "
                             f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - e.g. a TLS handshake failure: one line, not a chained traceback
        raise SchedulerError(f"scheduler {address}: cannot connect: {type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
    return client, None
