"""A raw RESP2/RESP3 connection for the comparison scripts (compare-replies,
compare-docs): replies as (type, payload) tuples, the type being RESP's
first byte ("$", "*", "%", "~", "+"...), so that both servers' replies can
be compared type and all. Attributes ("|") are read and dropped.
"""
import socket


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    """A raw RESP connection: replies as (type, payload) tuples."""

    def __init__(self, port, resp):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        if resp == 3:
            self.call(["HELLO", "3"])

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("server closed the connection")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _bytes(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self._line()
        kind, rest = line[:1].decode(), line[1:]
        if kind in "$=!":
            n = int(rest)
            return (kind, None if n < 0 else self._bytes(n))
        if kind in "*~>":
            n = int(rest)
            return (kind, None if n < 0 else [self.read() for _ in range(n)])
        if kind == "%":
            return (kind, [(self.read(), self.read()) for _ in range(int(rest))])
        if kind == "|":
            for _ in range(int(rest)):
                self.read(), self.read()
            return self.read()
        return (kind, rest)

    def call(self, args):
        self.sock.sendall(encode(args))
        return self.read()
