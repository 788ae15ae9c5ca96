"""A stand-in for a face-check vendor's service (a remote service the tests cannot reach), speaking the contract of
trustd's HTTP liveness adapter (README "Live checks"): POST JSON {method, session, name} with a bearer token; the
answer is {"result": "confirmed", "reference": ...} for sessions "ok-*", "mismatch" for "other-*", a 4 s stall for
"slow-*", HTTP 500 for "fail-*", and "unknown" otherwise. Wrong or missing token: 401. Each request is appended to
LOG as a JSON line.

usage: liveness_service.py PORT TOKEN LOG      (prints "listening" when ready; stops when killed)
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, token, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server name
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        authorised = self.headers.get("Authorization") == "Bearer " + token
        with open(log, "a", encoding="utf-8") as sink:
            sink.write(json.dumps({"authorised": authorised, "content_type": self.headers.get("Content-Type"),
                                   **body}, ensure_ascii=False) + "\n")
        session = str(body.get("session", ""))
        if not authorised:
            return self.answer(401, {"error": "unauthorised"})
        if session.startswith("slow-"):
            time.sleep(4)
        if session.startswith("fail-"):
            return self.answer(500, {"error": "internal"})
        if session.startswith("ok-"):
            return self.answer(200, {"result": "confirmed", "reference": "face-" + session})
        if session.startswith("other-"):
            return self.answer(200, {"result": "mismatch", "detail": "the captured face is another person"})
        return self.answer(200, {"result": "unknown"})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except BrokenPipeError:
            pass

    def log_message(self, *args):  # quiet
        pass


server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("listening", flush=True)
server.serve_forever()
