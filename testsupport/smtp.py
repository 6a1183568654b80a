"""A tiny SMTP server for tests: it speaks enough of RFC 5321 (EHLO, AUTH PLAIN, MAIL, RCPT,
DATA, RSET, NOOP, QUIT) for smtplib and Django's SMTP backend, and keeps what it is sent.

aiosmtpd would do, and more; this needs no new dependency and no event loop.
"""

import base64
import email
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import Message

# Ports set aside for it on the shared machine; any free port if they are all taken.
PORTS = range(8251, 8260)


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes
    login: tuple[str, str] | None = None

    @property
    def message(self) -> Message:
        return email.message_from_bytes(self.data)

    @property
    def body(self) -> str:
        part = next(p for p in self.message.walk() if p.get_content_type() == "text/plain")
        return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


@dataclass
class _Session:
    login: tuple[str, str] | None = None
    mail_from: str = ""
    rcpt_to: list[str] = field(default_factory=list)


def _address(argument: str) -> str:
    return argument.split(":", 1)[1].strip().split(" ", 1)[0].strip("<>")


class _Handler(socketserver.StreamRequestHandler):
    server: "_Server"

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 scheduler-test-smtp ready")
        session = _Session()
        while line := self.rfile.readline():
            verb, _, argument = line.decode().rstrip("\r\n").partition(" ")
            verb = verb.upper()
            self.server.sink.commands.append(verb)
            if verb == "QUIT":
                self.reply("221 bye")
                return
            self.command(verb, argument, session)

    def command(self, verb: str, argument: str, session: _Session) -> None:
        if verb == "EHLO":
            self.reply("250-scheduler-test-smtp\r\n250 AUTH PLAIN")
        elif verb == "HELO" or verb in {"NOOP", "RSET"}:
            if verb == "RSET":
                session.mail_from, session.rcpt_to = "", []
            self.reply("250 ok")
        elif verb == "AUTH" and argument.upper().startswith("PLAIN "):
            _, user, password = base64.b64decode(argument[6:]).decode().split("\0")
            session.login = (user, password)
            self.reply("235 authenticated")
        elif verb == "MAIL":
            session.mail_from, session.rcpt_to = _address(argument), []
            self.reply("250 ok")
        elif verb == "RCPT":
            session.rcpt_to.append(_address(argument))
            self.reply("250 ok")
        elif verb == "DATA":
            self.reply("354 end with <CRLF>.<CRLF>")
            self.server.sink.received.append(
                Received(session.mail_from, session.rcpt_to, self.read_data(), session.login)
            )
            self.reply("250 queued")
        else:
            self.reply("502 not implemented")

    def read_data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline()) not in {b".\r\n", b""}:
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        return b"".join(lines).removesuffix(b"\r\n")  # that CRLF belongs to the end marker


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    sink: "SmtpSink"


class SmtpSink:
    """`with SmtpSink() as smtp:` a server on 127.0.0.1:smtp.port until the block ends."""

    host = "127.0.0.1"

    def __init__(self):
        self.received: list[Received] = []
        self.commands: list[str] = []

    def __enter__(self) -> "SmtpSink":
        self._server = self._bind()
        self._server.sink = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _bind(self) -> _Server:
        for port in [*PORTS, 0]:
            try:
                return _Server((self.host, port), _Handler)
            except OSError:
                continue
        raise OSError("no free port for the test SMTP server")
