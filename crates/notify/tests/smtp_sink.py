"""A real SMTP server for the email tests (aiosmtpd).

Prints "READY <port>" once listening, then one JSON line per message
received: envelope, raw and decoded headers, decoded body. Accepts AUTH
LOGIN/PLAIN for yoyaku / pw-123 and refuses the recipient
nobody@example.jp with 550. Runs until killed.
"""

import email
import json
import socket
import sys
import time
import warnings
from email import policy

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def login_of(session):
    data = getattr(session, "auth_data", None)
    if isinstance(data, LoginPassword):
        return data.login.decode()
    if isinstance(data, bytes):
        return data.decode()
    return None


class Sink:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "nobody@example.jp":
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = email.message_from_bytes(envelope.content)
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": login_of(session),
            "raw_subject": raw.get("Subject"),
            "subject": str(parsed["Subject"]),
            "from": str(parsed["From"]),
            "to": str(parsed["To"]),
            "content_type": parsed.get_content_type(),
            "charset": parsed.get_content_charset(),
            "transfer_encoding": parsed.get("Content-Transfer-Encoding"),
            "body": parsed.get_content(),
        }
        print(json.dumps(record, ensure_ascii=False), flush=True)
        return "250 OK queued as sink-%d" % int(time.time())


def authenticate(server, session, envelope, mechanism, auth_data):
    if (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"yoyaku"
        and auth_data.password == b"pw-123"
    ):
        return AuthResult(success=True, auth_data=auth_data)
    return AuthResult(success=False, handled=False)


def main():
    # AUTH without TLS is what the test wants (a local plain server).
    warnings.filterwarnings("ignore", category=UserWarning)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    require_auth = len(sys.argv) > 1 and sys.argv[1] == "--auth"
    kwargs = {}
    if require_auth:
        kwargs = dict(authenticator=authenticate, auth_require_tls=False, auth_required=True)
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("READY %d" % port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
