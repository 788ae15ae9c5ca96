"""Slowloris attackers for trustd's connection-hardening test, in a process of their own.

usage: slow_attackers.py PORT COUNT SECONDS
Opens COUNT connections to 127.0.0.1:PORT: the even ones send nothing, the odd ones a request head that never ends.
Prints "ready" once all are open, then waits up to SECONDS for trustd to close them and prints "open N" (how many
it had not closed) before exiting.

Why a separate process: 2,000 sockets in the Swift test process made Foundation's Process.run() (which lists
/proc/self/fd before every spawn) over-read its directory buffer and crash the whole test run (SIGSEGV,
swift-corelibs-foundation #5472) while other suites started children.
"""
import resource
import select
import socket
import sys
import time

port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
wanted = count + 64
if soft < wanted:
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard))

attackers = []
for index in range(count):
    # The attackers' own connects may be slow on a loaded machine; what is measured is the other client.
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    if index % 2 == 1:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    s.setblocking(False)
    attackers.append(s)
print("ready", flush=True)


def closed_by_peer(s):
    """Reads whatever trustd sent (an error answer, say) until the end of the stream or nothing more for now."""
    while True:
        try:
            if s.recv(4096) == b"":
                return True
        except BlockingIOError:
            return False
        except OSError:  # reset by the peer
            return True


poller = select.epoll()
by_fd = {s.fileno(): s for s in attackers}
for fd in by_fd:
    poller.register(fd, select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLHUP)
still_open = set(by_fd)
deadline = time.monotonic() + seconds
while still_open and time.monotonic() < deadline:
    for fd, _ in poller.poll(0.2):
        if fd in still_open and closed_by_peer(by_fd[fd]):
            still_open.discard(fd)
            poller.unregister(fd)
print(f"open {len(still_open)}", flush=True)
