"""How the Python worker reaches Temporal: address, TLS/mTLS and API key, from the same variables and rules as the
TypeScript side (src/temporal/target.ts and connect.ts), so one set of settings serves every process and the CLI."""
from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Mapping

from temporalio.client import Client
from temporalio.service import TLSConfig

_BOOL = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class SettingsError(Exception):
    """Bad settings: every problem, each naming its variable (the worker exits 2, like the TypeScript processes)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid settings:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


class TemporalUnreachable(Exception):
    pass


class TemporalTlsError(Exception):
    """The server answered but refused the handshake or the credentials: retrying cannot help."""


@dataclass(frozen=True)
class Target:
    address: str
    namespace: str
    tls: bool
    cert_file: str | None = None
    key_file: str | None = None
    ca_file: str | None = None
    server_name: str | None = None
    # the key itself never leaves this object except into Client.connect; repr hides it
    api_key: str | None = None
    api_key_file: str | None = None
    connect_timeout_ms: int = 15000

    def __repr__(self) -> str:
        return f"Target({self.address}, {self.describe()})"

    def describe(self) -> str:
        """For logs: how the connection is secured, no secrets (the TypeScript describeTarget's wording)."""
        has_key = self.api_key is not None or self.api_key_file is not None
        if not self.tls:
            return "plain text, API key" if has_key else "plain text"
        parts = ["mTLS" if self.cert_file else "TLS"]
        if self.ca_file:
            parts.append(f"CA {self.ca_file}")
        if self.server_name:
            parts.append(f"server name {self.server_name}")
        if has_key:
            parts.append("API key")
        return ", ".join(parts)


def target_from_env(environ: Mapping[str, str]) -> Target:
    """The settings, checked with the TypeScript side's rules; empty values count as unset."""
    e = {k: v for k, v in environ.items() if v != ""}
    problems: list[str] = []
    tls_flag: bool | None = None
    if "TEMPORAL_TLS" in e:
        tls_flag = _BOOL.get(e["TEMPORAL_TLS"].lower())
        if tls_flag is None:
            problems.append(f"TEMPORAL_TLS: must be true or false (got {e['TEMPORAL_TLS']!r})")
    cert, key, ca, name = (e.get(f"TEMPORAL_TLS_{k}") for k in ("CERT", "KEY", "CA", "SERVER_NAME"))
    api_key, api_key_file = e.get("TEMPORAL_API_KEY"), e.get("TEMPORAL_API_KEY_FILE")
    if (cert is None) != (key is None):
        missing = "TEMPORAL_TLS_CERT" if cert is None else "TEMPORAL_TLS_KEY"
        problems.append(f"{missing}: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (the client certificate and its key)")
    if api_key is not None and api_key_file is not None:
        problems.append("TEMPORAL_API_KEY_FILE: set TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE, not both")
    if tls_flag is False:
        for var, value in (("TEMPORAL_TLS_CERT", cert), ("TEMPORAL_TLS_CA", ca), ("TEMPORAL_TLS_SERVER_NAME", name)):
            if value is not None:
                problems.append(f"{var}: {var} is set but TEMPORAL_TLS=false turns TLS off")
    timeout = e.get("TEMPORAL_CONNECT_TIMEOUT_MS", "15000")
    if not timeout.isdigit() or int(timeout) <= 0:
        problems.append(f"TEMPORAL_CONNECT_TIMEOUT_MS: must be a positive whole number (got {timeout!r})")
    if problems:
        raise SettingsError(problems)
    asked = cert is not None or ca is not None or name is not None or api_key is not None or api_key_file is not None
    address = e.get("TEMPORAL_ADDRESS") or f"127.0.0.1:{e.get('TEMPORAL_PORT', '7233')}"
    return Target(
        address=address,
        namespace=e.get("TEMPORAL_NAMESPACE") or "default",
        tls=asked if tls_flag is None else tls_flag,
        cert_file=cert,
        key_file=key,
        ca_file=ca,
        server_name=name,
        api_key=api_key,
        api_key_file=api_key_file,
        connect_timeout_ms=int(timeout),
    )


def _read(variable: str, file: str) -> bytes:
    try:
        return Path(file).read_bytes()
    except OSError as err:
        raise SettingsError([f"{variable}: cannot read {file} ({err.strerror or err})"]) from None


def connect_options(t: Target) -> tuple[TLSConfig | bool, str | None]:
    """Client.connect's `tls` and `api_key`, files read now (a file that cannot be read is a settings error)."""
    tls: TLSConfig | bool = False
    if t.tls:
        tls = TLSConfig(
            server_root_ca_cert=_read("TEMPORAL_TLS_CA", t.ca_file) if t.ca_file else None,
            domain=t.server_name,
            client_cert=_read("TEMPORAL_TLS_CERT", t.cert_file) if t.cert_file else None,
            client_private_key=_read("TEMPORAL_TLS_KEY", t.key_file) if t.key_file else None,
        )
    api_key = t.api_key
    if t.api_key_file:
        api_key = _read("TEMPORAL_API_KEY_FILE", t.api_key_file).decode("utf-8").strip()
    return tls, api_key


# What the core SDK's transport (tonic/rustls) and Python's ssl say, and what to check: the TypeScript side's table.
_FAILURES = [
    (
        r"UnknownIssuer|unable to get (local )?issuer|self[- ]signed certificate|certificate verify failed|BadSignature",
        "the server's certificate is not signed by a trusted CA",
        "Set TEMPORAL_TLS_CA to the PEM of the CA that signed the server certificate.",
    ),
    (
        r"NotValidForName|Hostname mismatch|doesn't match|does not match certificate",
        "the server's certificate is not valid for the name connected to",
        "Set TEMPORAL_TLS_SERVER_NAME to a name in the server certificate.",
    ),
    (
        r"CertificateRequired|certificate required|bad certificate|BadCertificate|UnknownCA|unknown ca|alert.*(certificate|handshake)",
        "the server did not accept the client certificate (mTLS)",
        "Set TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY to a client certificate signed by a CA the server trusts.",
    ),
    (
        r"wrong version number|InvalidContentType|CorruptMessage|packet length too long|record layer failure",
        "TLS and plain text do not match on the two sides",
        "The server may not use TLS: unset the TEMPORAL_TLS_* settings, or point TEMPORAL_ADDRESS at its TLS port.",
    ),
    (
        r"Unauthenticated|UNAUTHENTICATED|PermissionDenied|PERMISSION_DENIED|Request unauthorized|invalid api key",
        "the credentials were rejected",
        "Check TEMPORAL_API_KEY (or the client certificate) and the namespace it is valid for.",
    ),
]


def classify(t: Target, text: str) -> TemporalTlsError | None:
    if not t.tls and not re.search(r"UNAUTHENTICATED|Unauthenticated|PERMISSION_DENIED|PermissionDenied|Request unauthorized", text):
        return None
    for pattern, reason, hint in _FAILURES:
        if re.search(pattern, text, re.I):
            return TemporalTlsError(f"the Temporal server at {t.address} refused the connection ({t.describe()}): {reason}. {hint}")
    return None


def _probe(t: Target) -> str:
    """The core SDK reports a refused client certificate as "connection closed": one handshake of our own, with the
    same CA, certificate and server name, finds the reason ('' when it works or no one answers)."""
    host, _, port = t.address.rpartition(":")
    host = host.strip("[]")
    ctx = ssl.create_default_context(cafile=t.ca_file)
    ctx.set_alpn_protocols(["h2"])
    if t.cert_file and t.key_file:
        ctx.load_cert_chain(t.cert_file, t.key_file)
    try:
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            with ctx.wrap_socket(raw, server_hostname=t.server_name or host) as s:
                # with TLS 1.3 the server refuses a client certificate after the handshake: wait briefly for its alert
                s.settimeout(1)
                try:
                    s.recv(1)
                except (socket.timeout, ssl.SSLWantReadError):
                    pass
        return ""
    except (OSError, ssl.SSLError, ValueError) as err:
        return str(err)


async def connect(t: Target) -> Client:
    """Connects within TEMPORAL_CONNECT_TIMEOUT_MS, retrying an unreachable server; a refused handshake fails at once."""
    tls, api_key = connect_options(t)
    deadline = time.monotonic() + t.connect_timeout_ms / 1000
    last = ""
    while True:
        try:
            client = await Client.connect(
                t.address, namespace=t.namespace, tls=tls, api_key=api_key, connect_timeout=timedelta(seconds=min(5, t.connect_timeout_ms / 1000))
            )
            # the connection is lazy about credentials: one call proves the server took them
            await client.service_client.check_health()
            return client
        except Exception as err:  # the core SDK raises RuntimeError with the transport's text
            last = str(err)
            refused = classify(t, last) or (classify(t, await asyncio.to_thread(_probe, t)) if t.tls else None)
            if refused:
                raise refused from None
        if time.monotonic() >= deadline:
            reason = re.search(r'message: "([^"]+)"', last)
            raise TemporalUnreachable(
                f"cannot reach the Temporal server at {t.address} within {round(t.connect_timeout_ms / 1000)} s "
                f"({reason.group(1) if reason else last.splitlines()[0] if last else 'no answer'}). "
                "Start it with `make up`, or set TEMPORAL_ADDRESS to a running server."
            )
        await asyncio.sleep(0.5)
