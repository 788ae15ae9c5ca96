"""A platform's back-channel logout endpoint for trustd's tests (OpenID Connect Back-Channel Logout 1.0 §2.6),
checking each logout token with authlib against trustd's JWKS and appending what it found to OUT as JSON lines.

usage: logout_receiver.py PORT ISSUER OUT [fail-first]   (prints "listening" when ready; stops when killed)
With fail-first the first delivery is answered 503 (a platform restarting), so trustd must try again; each line
records which attempt it was.
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests
from authlib.jose import JsonWebKey, jwt

port, issuer, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
fail_first = sys.argv[4:] == ["fail-first"]
attempts = 0
EVENT = "http://schemas.openid.net/event/backchannel-logout"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server name
        global attempts
        attempts += 1
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if fail_first and attempts == 1:
            self.send_response(503)
            self.end_headers()
            return
        token = form.get("logout_token", "")
        found = {"content_type": self.headers.get("Content-Type"), "attempt": attempts}
        try:
            keys = JsonWebKey.import_key_set(requests.get(issuer + "/oidc/jwks", timeout=10).json())
            claims = jwt.decode(token, keys)
            claims.validate(leeway=5)
            header = json.loads(__import__("base64").urlsafe_b64decode(token.split(".")[0] + "==").decode())
            found.update({
                "verified": True, "typ": header.get("typ"), "iss": claims.get("iss"), "aud": claims.get("aud"),
                "sid": claims.get("sid"), "sub": claims.get("sub"), "event": EVENT in (claims.get("events") or {}),
                "nonce": "nonce" in claims,
            })
            self.send_response(200)
        except Exception as error:  # noqa: BLE001 - reported to the test
            found.update({"verified": False, "error": repr(error)})
            self.send_response(400)
        self.end_headers()
        with open(out, "a", encoding="utf-8") as sink:
            sink.write(json.dumps(found) + "\n")

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", port), Handler)
print("listening", flush=True)
server.serve_forever()
