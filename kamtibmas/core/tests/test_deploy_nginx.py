"""The files of ``deploy/`` as docs/deploy/ installs them (issue 13 point 6).

The nginx site (``deploy/kamtibmas.conf``) runs in front of ``kamtibmas serve`` started
the production way: the file itself, with only its ports, paths, host name and a
self-signed certificate replaced, TLS included. Through it: ``/healthz`` answers, a
hashed static file comes from nginx with a year's cache (and still does when the
app is stopped), a public page carries the app's security headers, HSTS and secure
cookies show that the forwarded scheme reached the app (and that a client cannot
forge it), a body over the app's largest upload is refused with 413, nginx answers
502 when the app is down, and its logs hold no client address (SECURITY.md 14).

The systemd units pass ``systemd-analyze verify``.

nginx: Debian's package (``apt-get install nginx``); skipped without it unless
``KAMTIBMAS_REQUIRE_NGINX=1``, as in CI, where its absence fails.
"""

from __future__ import annotations

import datetime
import gzip
import http.client
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kamtibmas.aspirations.services import MAX_PHOTOS
from kamtibmas.core.tests.production import Process, production_environment, serve
from kamtibmas.core.tests.test_serve_command import free_port
from kamtibmas.engagements.photos import MAX_UPLOAD_BYTES
from kamtibmas.open311.views import MULTIPART_MAX_BYTES
from kamtibmas.privacy.tests.test_anonymous_sentinel import server_database_url

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
SITE = DEPLOY / "kamtibmas.conf"
UNITS = ("kamtibmas-web.service", "kamtibmas-worker.service")
HOST = "127.0.0.1"


def nginx_binary() -> str:
    """nginx, or a skip (a failure with ``KAMTIBMAS_REQUIRE_NGINX=1``)."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    if found:
        return found
    reason = "nginx is not installed (Debian: apt-get install nginx)"
    if os.environ.get("KAMTIBMAS_REQUIRE_NGINX") == "1":
        pytest.fail(f"KAMTIBMAS_REQUIRE_NGINX=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def certificate_self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as the site's TLS block expects."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kamtibmas test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(HOST)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "cert.pem", directory / "key.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path


def site_render(
    *,
    http_port: int,
    https_port: int,
    app_port: int,
    data_dir: Path,
    certificate: Path,
    key: Path,
    directory: Path,
) -> str:
    """``deploy/kamtibmas.conf`` with what an operator replaces replaced; each piece
    must still be there, so that the file and this test stay in step."""
    text = SITE.read_text()
    (directory / "acme").mkdir()
    replacements = [
        ("    listen 80;\n", f"    listen {HOST}:{http_port};\n"),
        ("    listen [::]:80;\n", ""),
        ("    listen 443 ssl http2;\n", f"    listen {HOST}:{https_port} ssl http2;\n"),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};"),
        ("/etc/letsencrypt/live/kamtibmas.example.go.id/fullchain.pem", str(certificate)),
        ("/etc/letsencrypt/live/kamtibmas.example.go.id/privkey.pem", str(key)),
        ("/var/log/nginx/kamtibmas.error.log", str(directory / "kamtibmas.error.log")),
        ("root /var/lib/kamtibmas;", f"root {data_dir};"),
        ("root /var/www/html;", f"root {directory / 'acme'};"),
        ("server_name kamtibmas.example.go.id;", f"server_name {HOST};"),
    ]
    for old, new in replacements:
        assert old in text, f"deploy/kamtibmas.conf has no {old!r} any more: update this test"
        text = text.replace(old, new)
    directives = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in directives if "kamtibmas.example.go.id" in line]
    return text


def nginx_main_config(directory: Path, site: Path, nginx: str) -> str:
    """What Debian's /etc/nginx/nginx.conf gives the site, with every file nginx writes
    (pid, logs, request bodies) in ``directory``."""
    version = subprocess.run([nginx, "-V"], capture_output=True, text=True, check=True).stderr
    conf_path = re.search(r"--conf-path=(\S+)", version)
    mime_types = Path(conf_path.group(1)).parent / "mime.types" if conf_path else None
    types = (
        f"include {mime_types};"
        if mime_types and mime_types.is_file()
        else "types { text/css css; application/javascript js; image/svg+xml svg; }"
    )
    # As root nginx's workers would run as nobody, who may not enter pytest's
    # temporary directories.
    user = "user root;" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 128; }}
http {{
    {types}
    default_type application/octet-stream;
    sendfile on;
{temp}
    access_log {directory / "access.log"};
    include {site};
}}
"""


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    context: ssl.SSLContext | None = None,
) -> tuple[int, Message, bytes]:
    """One request, redirects not followed."""
    parts = urlsplit(url)
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection(HOST, parts.port, timeout=30, context=context)
        if parts.scheme == "https"
        else http.client.HTTPConnection(HOST, parts.port, timeout=30)
    )
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.msg, response.read()
    finally:
        connection.close()


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            assert time.monotonic() < deadline, "nginx did not listen in 20 s"
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_the_site_admits_the_largest_upload_the_app_accepts_and_little_more():
    """client_max_body_size against the app's own limits: five photos of 8 MB and a
    form (Open311's multipart limit, an aspiration's photos), with at most 1 MB of
    room for multipart framing."""
    found = re.search(r"^\s*client_max_body_size (\d+)m;", SITE.read_text(), re.M)
    assert found is not None
    nginx_limit = int(found.group(1)) * 1024 * 1024
    largest = max(MULTIPART_MAX_BYTES, MAX_PHOTOS * MAX_UPLOAD_BYTES)
    assert largest < nginx_limit <= largest + 1024 * 1024


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_nginx_in_front_of_kamtibmas_serve(tmp_path: Path):
    nginx = nginx_binary()
    web = tmp_path / "nginx"
    web.mkdir()
    data_dir = tmp_path / "app"
    http_port, https_port = free_port(), free_port()
    public = f"https://{HOST}:{https_port}"
    database_url, _copy = server_database_url(tmp_path)
    environment = production_environment(
        data_dir,
        database_url,
        KAMTIBMAS_BEHIND_PROXY="1",
        KAMTIBMAS_SSL_REDIRECT="1",
        KAMTIBMAS_PUBLIC_URL=public,
    )
    certificate, key = certificate_self_signed(web)
    tls = ssl.create_default_context(cafile=str(certificate))
    processes: list[subprocess.Popen[bytes]] = []
    app: Process | None = None
    try:
        app, direct = serve(environment, tmp_path / "serve.log")
        app_port = urlsplit(direct).port
        assert app_port is not None
        site = web / "kamtibmas.conf"
        site.write_text(
            site_render(
                http_port=http_port,
                https_port=https_port,
                app_port=app_port,
                data_dir=data_dir,
                certificate=certificate,
                key=key,
                directory=web,
            )
        )
        config = web / "nginx.conf"
        config.write_text(nginx_main_config(web, site, nginx))
        command = [nginx, "-e", str(web / "error.log"), "-p", str(web), "-c", str(config)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, checked.stderr
        log = web / "nginx.out"
        with log.open("wb") as output:
            processes.append(subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT))
        wait_for_port(https_port, processes[0], log)

        # /healthz, through TLS and the proxy.
        status, _headers, body = fetch(f"{public}/healthz", context=tls)
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"

        # A hashed static file: nginx's year-long cache and the compressed copy that
        # collectstatic wrote beside it (sent whole, with its length: not compressed
        # on the fly, which nginx would send in chunks).
        static = data_dir / "static"
        manifest = json.loads((static / "staticfiles.json").read_text())
        hashed = next(
            name
            for name in sorted(manifest["paths"].values())
            if name.endswith(".css") and (static / f"{name}.gz").is_file()
        )
        original = (static / hashed).read_bytes()
        compressed = (static / f"{hashed}.gz").read_bytes()

        def static_file() -> Message:
            status, headers, body = fetch(
                f"{public}/static/{hashed}", headers={"Accept-Encoding": "gzip"}, context=tls
            )
            assert status == 200, body[:300]
            assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert headers["Content-Type"].startswith("text/css")
            assert headers["Content-Encoding"] == "gzip"
            assert headers["Content-Length"] == str(len(compressed))
            assert body == compressed
            assert gzip.decompress(body) == original
            return headers

        static_file()
        status, _headers, _body = fetch(f"{public}/static/no-such-file.css", context=tls)
        assert status == 404

        # A public page: the app's security headers, HSTS and secure cookies, which
        # Django gives only to a request it knows came over HTTPS: X-Forwarded-Proto
        # from nginx, trusted with KAMTIBMAS_BEHIND_PROXY. What a client claims in
        # that header is replaced (the app would redirect an http request).
        for claimed in ({}, {"X-Forwarded-Proto": "http"}):
            status, headers, body = fetch(
                f"{public}/", headers={"Accept-Encoding": "gzip", **claimed}, context=tls
            )
            assert status == 200, body[:300]
            assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
            assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
            assert headers["X-Frame-Options"] == "DENY"
            assert headers["X-Content-Type-Options"] == "nosniff"
            assert headers["Referrer-Policy"] == "same-origin"
            assert headers["Content-Encoding"] == "gzip"
            assert b"<html lang=" in gzip.decompress(body)
            cookies = headers.get_all("Set-Cookie") or []
            csrf = [c for c in cookies if c.startswith("__Host-kamtibmas_csrf=")]
            assert csrf, cookies
            assert all("Secure" in c for c in cookies), cookies

        # The same app asked directly over plain HTTP sends the browser to HTTPS: the
        # scheme above came from nginx.
        status, headers, _body = fetch(f"{direct}/")
        assert status == 301
        assert headers["Location"].startswith("https://")
        # nginx's plain-HTTP server redirects everything but the balancers' probe.
        status, headers, _body = fetch(f"http://{HOST}:{http_port}/events/?page=2")
        assert status == 301
        assert headers["Location"] == f"https://{HOST}/events/?page=2"
        status, _headers, body = fetch(f"http://{HOST}:{http_port}/healthz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"

        # A body over the largest upload the app accepts: 413 from nginx, before a
        # byte of it is sent.
        limit = re.search(r"client_max_body_size (\d+)m;", site.read_text())
        assert limit is not None
        connection = http.client.HTTPSConnection(HOST, https_port, timeout=30, context=tls)
        try:
            connection.putrequest("POST", "/open311/v2/requests.json")
            connection.putheader("Content-Type", "multipart/form-data; boundary=x")
            connection.putheader("Content-Length", str(int(limit.group(1)) * 1024 * 1024 + 1))
            connection.endheaders()
            response = connection.getresponse()
            assert response.status == 413
            assert b"413 Request Entity Too Large" in response.read()
        finally:
            connection.close()

        # The app stops: static files are still served, everything else is nginx's 502.
        assert app.stop() == 0, app.text()
        static_file()
        status, _headers, body = fetch(f"{public}/healthz", context=tls)
        assert status == 502
        assert b"502 Bad Gateway" in body
        assert b"nginx" in body
    finally:
        for process in processes:
            stop(process)
        if app is not None:
            app.stop()

    # SECURITY.md 14: nginx kept no client address and no request line.
    assert not (web / "access.log").exists() or not (web / "access.log").read_text()
    for path in web.glob("*.log"):
        assert "client:" not in path.read_text(errors="replace"), path


def test_systemd_units_verify(tmp_path: Path):
    """``systemd-analyze verify`` on both units, the virtualenv's ``kamtibmas`` in place
    of /opt/kamtibmas/venv/bin/kamtibmas."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: package systemd)")
    kamtibmas = Path(sys.executable).parent / "kamtibmas"
    if not kamtibmas.is_file():
        pytest.skip(f"no kamtibmas script beside {sys.executable}")
    for name in UNITS:
        text = (DEPLOY / name).read_text()
        assert "/opt/kamtibmas/venv/bin/kamtibmas " in text
        (tmp_path / name).write_text(
            text.replace("/opt/kamtibmas/venv/bin/kamtibmas ", f"{kamtibmas} ")
        )
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Lines about other units (this machine's own) are not ours to judge.
    ours = [line for line in result.stderr.splitlines() if "kamtibmas" in line]
    assert result.returncode == 0 and not ours, result.stderr
