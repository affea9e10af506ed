#!/usr/bin/env python3
"""Writes the hand-made seed files of fuzz/corpus/<target>/seed-*.

Run from anywhere: `python3 fuzz/make_seeds.py`. It rewrites only the files
named seed-*; what cargo-fuzz found (files named by their hash) stays.
"""
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent / "corpus"

REQUESTS = {
    # RFC 9112 section 2.1 and 3.2's four target forms.
    "rfc9112-2.1": b"GET /hello.txt HTTP/1.1\r\nUser-Agent: curl/7.64.1\r\nHost: www.example.com\r\nAccept-Language: en, mi\r\n\r\n",
    "origin-form": b"GET /where?q=now HTTP/1.1\r\nHost: www.example.org\r\n\r\n",
    "absolute-form": b"GET http://www.example.org/pub/WWW/TheProject.html HTTP/1.1\r\n\r\n",
    "authority-form": b"CONNECT www.example.com:80 HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
    "asterisk-form": b"OPTIONS * HTTP/1.1\r\nHost: www.example.org:8001\r\n\r\n",
    "ipv6-connect": b"CONNECT [::1]:443 HTTP/1.1\r\n\r\n",
    "http10": b"GET / HTTP/1.0\r\n\r\n",
    "http19": b"GET / HTTP/1.9\r\n\r\n",
    "leading-crlf": b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    "post-body": b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
    "trimmed-values": b"GET / HTTP/1.1\r\nA: \t x y \t \r\nB:\r\nC:   \r\nD:v\r\nE: \xff\x80 z\r\n\r\n",
    "other-method": b"M-SEARCH * HTTP/1.1\r\nHost: 239.255.255.250:1900\r\n\r\n",
    "nine-fields": b"GET / HTTP/1.1\r\n" + b"".join(b"F%d: %d\r\n" % (i, i) for i in range(9)) + b"\r\n",
    "eight-fields": b"GET / HTTP/1.1\r\n" + b"".join(b"F%d: %d\r\n" % (i, i) for i in range(8)) + b"\r\n",
    "cl-and-te": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "partial-line": b"GET /index.html HTT",
    "partial-fields": b"GET / HTTP/1.1\r\nHost: a\r\n",
    "pipelined": b"GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n",
    # Malformed: each one a rejection the parser must make.
    "bare-lf": b"GET / HTTP/1.1\nHost: a\n\n",
    "bare-cr": b"GET / HTTP/1.1\rHost: a\r\n\r\n",
    "obs-fold": b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
    "ws-before-colon": b"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    "ws-after-start-line": b"GET / HTTP/1.1\r\n Host: a\r\n\r\n",
    "two-spaces": b"GET  / HTTP/1.1\r\n\r\n",
    "tab-separator": b"GET\t/ HTTP/1.1\r\n\r\n",
    "space-in-target": b"GET /a b HTTP/1.1\r\n\r\n",
    "utf8-target": b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n",
    "nul-in-value": b"GET / HTTP/1.1\r\nA: b\0c\r\n\r\n",
    "del-in-value": b"GET / HTTP/1.1\r\nA: b\x7fc\r\n\r\n",
    "empty-name": b"GET / HTTP/1.1\r\n: x\r\n\r\n",
    "missing-colon": b"GET / HTTP/1.1\r\nHost\r\n\r\n",
    "http2-version": b"GET / HTTP/2.0\r\n\r\n",
    "lowercase-version": b"GET / http/1.1\r\n\r\n",
    "http10-minor-2digits": b"GET / HTTP/1.10\r\n\r\n",
    "no-version": b"GET /\r\n\r\n",
    "two-leading-crlf": b"\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    "bad-method": b"GE(T / HTTP/1.1\r\n\r\n",
    "connect-no-port": b"CONNECT a.com HTTP/1.1\r\n\r\n",
    "connect-userinfo": b"CONNECT u@a:44 HTTP/1.1\r\n\r\n",
    "asterisk-get": b"GET * HTTP/1.1\r\n\r\n",
    "bad-scheme": b"GET 1http://x/ HTTP/1.1\r\n\r\n",
    "target-too-long": b"GET /" + b"a" * 8200 + b" HTTP/1.1\r\n\r\n",
    "h2-preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "tls-hello": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
}

RESPONSES = {
    "200-ok": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    "rfc9112-example": b"HTTP/1.1 200 OK\r\nDate: Mon, 27 Jul 2009 12:28:53 GMT\r\nServer: Apache\r\nLast-Modified: Wed, 22 Jul 2009 19:15:56 GMT\r\nETag: \"34aa387-d-1568eb00\"\r\nAccept-Ranges: bytes\r\nContent-Length: 51\r\nVary: Accept-Encoding\r\nContent-Type: text/plain\r\n\r\nHello World! My content includes a trailing CRLF.\r\n",
    "404": b"HTTP/1.0 404 Not Found\r\n\r\n",
    "no-reason": b"HTTP/1.1 200\r\n\r\n",
    "empty-reason": b"HTTP/1.1 200 \r\n\r\n",
    "obs-text-reason": b"HTTP/1.1 999 \t\xe9t\xe9\r\n\r\n",
    "100-continue": b"\r\nHTTP/1.1 100 Continue\r\n\r\n",
    "101-upgrade": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
    "204": b"HTTP/1.1 204 No Content\r\n\r\n",
    "304": b"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "nine-fields": b"HTTP/1.1 200 OK\r\n" + b"".join(b"F%d: %d\r\n" % (i, i) for i in range(9)) + b"\r\n",
    "partial": b"HTTP/1.1 200 OK\r\n",
    "status-099": b"HTTP/1.1 099 x\r\n\r\n",
    "status-2digits": b"HTTP/1.1 20 x\r\n\r\n",
    "status-4digits": b"HTTP/1.1 2000 x\r\n\r\n",
    "nul-reason": b"HTTP/1.1 200 a\0b\r\n\r\n",
    "two-spaces": b"HTTP/1.1  200 OK\r\n\r\n",
    "bare-lf": b"HTTP/1.1 200 OK\n\r\n",
    "bare-cr": b"HTTP/1.1 200 OK\rx",
    "http2": b"HTTP/2 200 OK\r\n\r\n",
    "icy": b"ICY 200 OK\r\n\r\n",
    "ws-before-colon": b"HTTP/1.1 200 OK\r\nA : b\r\n\r\n",
    "obs-fold": b"HTTP/1.1 200 OK\r\nA: b\r\n\tc\r\n\r\n",
    "no-status": b"HTTP/1.1\r\n\r\n",
}

CHUNKED = {
    "simple": b"5\r\nhello\r\n0\r\n\r\n",
    "wikipedia": b"4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n",
    "uppercase-hex": b"A\r\n0123456789\r\n0\r\n\r\n",
    "leading-zeros": b"0005\r\nhello\r\n000\r\n\r\n",
    "32-digits": b"0" * 31 + b"1\r\nx\r\n0\r\n\r\n",
    "33-digits": b"0" * 32 + b"1\r\nx\r\n0\r\n\r\n",
    "16-significant": b"ffffffffffffffff\r\nabc",
    "17-significant": b"10000000000000000\r\n",
    "extension": b"5;name=value\r\nhello\r\n0\r\n\r\n",
    "extension-no-value": b"5;flag\r\nhello\r\n0;last\r\n\r\n",
    "extension-quoted": b"5;a=\"b \\\" c\";d=e\r\nhello\r\n0\r\n\r\n",
    "extension-bws": b"5 ; a = b \t;c\r\nhello\r\n0\r\n\r\n",
    "trailers": b"5\r\nhello\r\n0\r\nExpires: never\r\nX-Sum: 1 \r\n\r\n",
    "pipelined-after": b"3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
    "many-chunks": b"".join(b"1\r\n%c\r\n" % c for c in b"abcdefghij") + b"0\r\n\r\n",
    "partial-size": b"5",
    "partial-data": b"5\r\nhel",
    "missing-crlf-after-data": b"5\r\nhelloX0\r\n\r\n",
    "bare-lf-size": b"5\nhello\r\n0\r\n\r\n",
    "bare-lf-data": b"5\r\nhello\n0\r\n\r\n",
    "bare-cr": b"5\rhello",
    "empty-size": b"\r\nhello\r\n",
    "hex-prefix": b"0x5\r\nhello\r\n0\r\n\r\n",
    "negative": b"-5\r\nhello\r\n0\r\n\r\n",
    "space-before-size": b" 5\r\nhello\r\n0\r\n\r\n",
    "bad-ext-char": b"5;a@b\r\nhello\r\n",
    "ext-unterminated-quote": b"5;a=\"b\r\nhello\r\n",
    "ext-ctl-in-quote": b"5;a=\"\x01\"\r\nhello\r\n",
    "ext-bomb": b"1;" + b"a" * 5000 + b"\r\nx\r\n0\r\n\r\n",
    "binary-data": b"8\r\n\x00\r\n\xff\xfe\r\n\r\n\r\n0\r\n\r\n",
    "zero-only": b"0\r\n\r\n",
    "zero-ext-trailers": b"0;x=y\r\nA: b\r\nC: d\r\n\r\n",
}

# server_conn: byte 0 flags, byte 1 script length, script, stream.
FEED_ALL, READ_ALL, POLL, POLL_ANSWER = 0xF0, 0xF1, 0x02, 0x12
FEED_5, READ_8 = 0x30, 0x41
RESP_200_EMPTY, RESP_200_CHUNKED, RESP_200_LEN5, RESP_200_CLOSE = (0x03, 0x00), (0x03, 0x21), (0x03, 0x10), (0x03, 0x30)
RESP_101, RESP_204, RESP_304 = (0x33, 0x00), (0x13, 0x00), (0x23, 0x00)
WITH_BODY = (0x04, 0x0A)  # 200, 5 bytes, content-type
SEND_5, SEND_70K = 0x25, 0x65
FINISH, TRAILERS, INFO_100, INFO_103 = 0x06, 0x17, 0x08, 0x38
CLOSE, EOF, TIMEOUT_DEADLINE, TIMEOUT_31S, TRANSMIT, DATE, EARLY, AUTO = 0x09, 0x0A, 0x0B, 0x8B, 0x0C, 0x1D, 0x0E, 0x0F


def script(*ops):
    out = []
    for op in ops:
        out.extend(op if isinstance(op, tuple) else (op,))
    return bytes(out)


def conn(stream, ops=(), tiny=False):
    s = script(*ops)
    assert len(s) < 256
    return bytes([1 if tiny else 0, len(s)]) + s + stream


GET = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"
POST_CL = b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
POST_CHUNKED = b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n"
EXPECT = b"PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"
UPGRADE = b"GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n\x81\x05hello"

SERVER = {
    "auto-get": conn(GET),
    "auto-pipelined": conn(GET * 3),
    "auto-post-cl": conn(POST_CL + GET),
    "auto-post-chunked": conn(POST_CHUNKED + GET),
    "auto-http10": conn(b"GET / HTTP/1.0\r\n\r\n"),
    "auto-http10-keepalive": conn(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" * 2),
    "auto-connection-close": conn(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" + GET),
    "auto-head": conn(b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n" + GET),
    "auto-cl-te": conn(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    "auto-two-cl": conn(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd"),
    "auto-no-host": conn(b"GET / HTTP/1.1\r\n\r\n"),
    "auto-te-gzip": conn(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"),
    "auto-bad-chunk": conn(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    "auto-garbage": conn(b"\x16\x03\x01\x00\xa5\x01\x00"),
    "auto-partial-head": conn(b"GET / HTTP/1.1\r\nHost: a"),
    "auto-partial-body": conn(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc"),
    "auto-expect": conn(EXPECT + b"hello" + GET),
    "auto-upgrade": conn(UPGRADE),
    "auto-connect": conn(b"CONNECT a.com:443 HTTP/1.1\r\nHost: a.com:443\r\n\r\n\x16\x03\x01"),
    "tiny-big-head": conn(b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"y" * 300 + b"\r\n\r\n", tiny=True),
    "tiny-many-fields": conn(b"GET / HTTP/1.1\r\n" + b"A: b\r\n" * 6 + b"\r\n", tiny=True),
    "tiny-long-target": conn(b"GET /" + b"a" * 80 + b" HTTP/1.1\r\nHost: a\r\n\r\n", tiny=True),
    "tiny-body-too-large": conn(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n", tiny=True),
    "tiny-chunk-ext": conn(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;" + b"e" * 20 + b"\r\nx\r\n0\r\n\r\n", tiny=True),
    "tiny-write-full": conn(GET, [FEED_ALL, POLL, RESP_200_CHUNKED] + [SEND_70K] * 3 + [TRANSMIT, SEND_70K, FINISH, TRANSMIT], tiny=True),
    "script-chunked-response": conn(GET, [FEED_ALL, POLL, RESP_200_CHUNKED, SEND_5, SEND_5, TRAILERS, TRANSMIT]),
    "script-length-response": conn(GET, [FEED_ALL, POLL, RESP_200_LEN5, SEND_5, FINISH, TRANSMIT]),
    "script-length-short": conn(GET, [FEED_ALL, POLL, RESP_200_LEN5, FINISH, SEND_70K, TRANSMIT]),
    "script-close-delimited": conn(GET, [FEED_ALL, POLL, RESP_200_CLOSE, SEND_5, FINISH, TRANSMIT]),
    "script-with-body": conn(GET * 2, [FEED_ALL, POLL, WITH_BODY, POLL, WITH_BODY, TRANSMIT]),
    "script-204-304": conn(GET * 2, [FEED_ALL, POLL, RESP_204, POLL, RESP_304, TRANSMIT]),
    "script-respond-early": conn(GET, [RESP_200_EMPTY, SEND_5, FINISH, FEED_ALL, POLL, RESP_200_EMPTY]),
    "script-101": conn(UPGRADE, [FEED_ALL, POLL, RESP_101, TRANSMIT, POLL, FEED_ALL]),
    "script-101-no-upgrade": conn(GET, [FEED_ALL, POLL, RESP_101]),
    "script-expect-continue": conn(EXPECT + b"hello", [FEED_ALL, POLL, POLL, TRANSMIT, POLL, RESP_200_EMPTY]),
    "script-expect-refused": conn(EXPECT + b"hello" + GET, [FEED_ALL, POLL, (0x43, 0x00), TRANSMIT, FEED_ALL, POLL_ANSWER]),
    "script-informational": conn(GET, [FEED_ALL, POLL, INFO_100, INFO_103, RESP_200_EMPTY, TRANSMIT]),
    "script-informational-http10": conn(b"GET / HTTP/1.0\r\n\r\n", [FEED_ALL, POLL, INFO_100, RESP_200_CHUNKED, SEND_5, FINISH]),
    "script-zero-copy": conn(POST_CHUNKED, [READ_8] * 20 + [POLL_ANSWER, READ_ALL, POLL_ANSWER, TRANSMIT]),
    "script-trickle": conn(POST_CL + GET, [FEED_5] * 20 + [POLL_ANSWER, TRANSMIT] + [FEED_5] * 10 + [POLL_ANSWER]),
    "script-close": conn(GET * 2, [FEED_ALL, CLOSE, POLL, RESP_200_EMPTY, TRANSMIT, POLL, FEED_ALL]),
    "script-close-idle": conn(GET, [CLOSE, FEED_ALL, POLL, RESP_200_EMPTY]),
    "script-eof-mid-head": conn(b"GET / HT", [FEED_ALL, EOF, POLL, TRANSMIT]),
    "script-eof-mid-body": conn(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", [FEED_ALL, POLL, EOF, POLL, RESP_200_EMPTY, TRANSMIT]),
    "script-eof-then-respond": conn(GET, [FEED_ALL, EOF, POLL, RESP_200_CHUNKED, SEND_5, FINISH, TRANSMIT]),
    "script-idle-timeout": conn(GET, [FEED_ALL, POLL_ANSWER, TRANSMIT, EARLY, TIMEOUT_DEADLINE, FEED_ALL]),
    "script-head-timeout": conn(b"GET / HTTP/1.1\r\n", [FEED_ALL, TIMEOUT_31S, TRANSMIT, POLL]),
    "script-body-timeout": conn(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", [FEED_ALL, POLL, POLL, EARLY, TIMEOUT_DEADLINE, TRANSMIT]),
    "script-body-timeout-after-head": conn(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", [FEED_ALL, POLL, RESP_200_CHUNKED, TIMEOUT_DEADLINE, SEND_5, FINISH, TRANSMIT]),
    "script-date": conn(GET * 2, [DATE, FEED_ALL, POLL_ANSWER, 0x2D, POLL_ANSWER, TRANSMIT]),
    "script-bad-fields": conn(GET, [FEED_ALL, POLL, (0x03, 0x05), (0x03, 0x06), (0x03, 0x02), (0x03, 0x03), (0x83, 0x00), (0xA3, 0x00), RESP_200_EMPTY]),
    "script-bad-trailers": conn(GET, [FEED_ALL, POLL, RESP_200_CHUNKED, 0x27, 0x37, TRAILERS, TRAILERS]),
    "script-after-error": conn(b"GET / HTTP/1.1\nHost: a\n\n", [FEED_ALL, POLL, RESP_200_EMPTY, SEND_5, FINISH, INFO_100, CLOSE, EOF, TIMEOUT_DEADLINE, TRANSMIT, AUTO]),
    "script-auto-steps": conn(GET + POST_CHUNKED + GET, [AUTO] * 8),
}


def write(target, seeds):
    d = ROOT / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("seed-*"):
        old.unlink()
    for name, data in seeds.items():
        (d / f"seed-{name}").write_bytes(data)


write("request_head", REQUESTS)
write("response_head", RESPONSES)
write("chunked_body", CHUNKED)
write("server_conn", SERVER)
