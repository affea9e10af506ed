//! The WebSocket load client of the echo benchmark: `--connections` sockets
//! (default 32) on one current-thread runtime, each doing the HTTP/1.1
//! upgrade handshake itself (no extension offered, so every server sends
//! uncompressed frames), then keeping `--inflight` messages (default 1:
//! ping-pong) of `--size` bytes in flight, `--kind text` or `binary`.
//!
//! It is a benchmark client, not a library: each connection's frame is built
//! once, masked with a random key drawn at start, and only the message's
//! sequence number (the first 16 payload bytes, as hex digits) is patched per
//! message. Echoes are parsed by hand from one reused buffer and checked:
//! FIN, no RSV bit, the opcode sent, the minimal length encoding, the length
//! sent, no mask from the server (RFC 6455 section 5.1), the sequence number
//! in order, and the whole payload every `--check-every` messages. Any
//! mismatch ends the run with exit status 1.
//!
//! After `--warmup` seconds it counts echoes for `--duration` seconds and
//! prints messages/s, the p99 round trip, its own CPU use (near 100%: the
//! client is the bottleneck, not the server) and, with `--server-pid`, the
//! server's CPU time per message over the same window.
//!
//! `ws-load --connect 127.0.0.1:9090 [--path /ws] [--connections 32]
//! [--inflight 1] [--size 16] [--kind text|binary] [--duration 5]
//! [--warmup 1] [--check-every 64] [--server-pid PID]`

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

/// The key of RFC 6455 section 1.3 and the accept value it must get back.
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
/// Frames up to this size are written several to a system call; larger ones
/// straight from the connection's frame, one at a time.
const BATCH_LIMIT: usize = 8 * 1024;
/// Payload bytes that carry the sequence number.
const SEQ_LEN: usize = 16;

struct Args {
    connect: SocketAddr,
    path: String,
    connections: usize,
    inflight: usize,
    size: usize,
    binary: bool,
    duration: f64,
    warmup: f64,
    check_every: u64,
    server_pid: Option<u32>,
}

const USAGE: &str = "usage: ws-load [--connect ADDR] [--path PATH] [--connections N] [--inflight N] \
[--size BYTES] [--kind text|binary] [--duration SECONDS] [--warmup SECONDS] [--check-every N] [--server-pid PID]";

fn parse_args() -> Args {
    let mut a = Args {
        connect: "127.0.0.1:9090".parse().expect("an address"),
        path: "/".into(),
        connections: 32,
        inflight: 1,
        size: 16,
        binary: false,
        duration: 5.0,
        warmup: 1.0,
        check_every: 64,
        server_pid: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--connect" => a.connect = value().parse().expect("--connect ADDR"),
            "--path" => a.path = value(),
            "--connections" => a.connections = value().parse().expect("--connections N"),
            "--inflight" => a.inflight = value().parse().expect("--inflight N"),
            "--size" => a.size = value().parse().expect("--size BYTES"),
            "--kind" => {
                a.binary = match value().as_str() {
                    "text" => false,
                    "binary" => true,
                    other => panic!("--kind text|binary, not {other}"),
                }
            }
            "--duration" => a.duration = value().parse().expect("--duration SECONDS"),
            "--warmup" => a.warmup = value().parse().expect("--warmup SECONDS"),
            "--check-every" => a.check_every = value().parse().expect("--check-every N"),
            "--server-pid" => a.server_pid = Some(value().parse().expect("--server-pid PID")),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => {
                eprintln!("unknown argument {other}\n{USAGE}");
                std::process::exit(2);
            }
        }
    }
    assert!(a.connections > 0 && a.inflight > 0 && a.check_every > 0);
    a
}

/// Round trips: one bucket per µs up to 10 ms, then per 100 µs up to 1 s.
struct Histogram {
    buckets: Vec<u64>,
}

impl Histogram {
    const FINE_US: usize = 10_000;
    const COARSE_US: usize = 100;
    const MAX_US: usize = 1_000_000;

    fn new() -> Self {
        Histogram {
            buckets: vec![0; Self::bucket(Self::MAX_US) + 1],
        }
    }

    fn bucket(us: usize) -> usize {
        match us.min(Self::MAX_US) {
            us if us < Self::FINE_US => us,
            us => Self::FINE_US + (us - Self::FINE_US) / Self::COARSE_US,
        }
    }

    fn record(&mut self, rtt: Duration) {
        self.buckets[Self::bucket(rtt.as_micros() as usize)] += 1;
    }

    /// The round trip in µs (its bucket's lower end) at or below which a
    /// fraction `q` of them were.
    fn quantile(&self, q: f64) -> usize {
        let total: u64 = self.buckets.iter().sum();
        let rank = ((total as f64 * q).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return match i < Self::FINE_US {
                    true => i,
                    false => Self::FINE_US + (i - Self::FINE_US) * Self::COARSE_US,
                };
            }
        }
        Self::MAX_US
    }
}

/// What all connections add to (one thread: cells, no atomics).
struct Stats {
    measuring: Cell<bool>,
    messages: Cell<u64>,
    rtt: RefCell<Histogram>,
}

/// A small xorshift generator for the masking keys, seeded from the clock.
fn mask_key(seed: &mut u64) -> [u8; 4] {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed as u32).to_le_bytes()
}

/// The payload's first bytes: the sequence number in hex (valid text).
fn seq_digits(seq: u64) -> [u8; SEQ_LEN] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; SEQ_LEN];
    for (i, b) in out.iter_mut().enumerate() {
        *b = HEX[((seq >> (4 * (SEQ_LEN - 1 - i))) & 0xf) as usize];
    }
    out
}

/// One connection's client frame, built once and patched per message.
struct Outgoing {
    /// The whole frame: header, masking key, masked payload.
    frame: Vec<u8>,
    payload_at: usize,
    key: [u8; 4],
    /// The unmasked payload (the sequence bytes aside).
    plain: Vec<u8>,
}

impl Outgoing {
    fn new(size: usize, binary: bool, key: [u8; 4]) -> Self {
        let plain: Vec<u8> = (0..size)
            .map(|i| match binary {
                false => b'a' + (i % 26) as u8,
                true => (i.wrapping_mul(31) + 7) as u8,
            })
            .collect();
        let opcode = if binary { 0x2 } else { 0x1 };
        let mut frame = vec![0x80 | opcode];
        // RFC 6455 section 5.2: the client sets MASK; the shortest length form.
        match size {
            0..=125 => frame.push(0x80 | size as u8),
            126..=0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(size as u16).to_be_bytes());
            }
            _ => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(size as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&key);
        let payload_at = frame.len();
        frame.extend(plain.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        Outgoing {
            frame,
            payload_at,
            key,
            plain,
        }
    }

    /// Writes `seq` into the frame's sequence bytes, masked.
    fn patch(&mut self, seq: u64) {
        let digits = seq_digits(seq);
        let n = SEQ_LEN.min(self.plain.len());
        let at = self.payload_at;
        for (i, d) in digits[SEQ_LEN - n..].iter().enumerate() {
            self.frame[at + i] = d ^ self.key[i % 4];
        }
    }
}

/// Where the parser of the server's frames stands.
enum Rx {
    /// Collecting a frame header (at most 10 bytes: the server does not mask).
    Header { have: usize, bytes: [u8; 10] },
    /// Inside a payload: `at` bytes of it seen.
    Payload { at: usize },
}

type Failure = String;

/// The checks on what a server sends back: one echo after the other, each
/// the message sent, in order.
struct Echoes {
    size: usize,
    opcode: u8,
    check_every: u64,
    /// The unmasked payload sent (the sequence bytes aside).
    plain: Vec<u8>,
    /// The sequence number of the next echo.
    next: u64,
    rx: Rx,
}

impl Echoes {
    fn new(size: usize, opcode: u8, check_every: u64, plain: Vec<u8>) -> Self {
        Echoes {
            size,
            opcode,
            check_every,
            plain,
            next: 0,
            rx: Rx::Header {
                have: 0,
                bytes: [0; 10],
            },
        }
    }

    /// Takes what arrived (any split of the stream); returns how many echoes
    /// it completed.
    fn take(&mut self, mut data: &[u8]) -> Result<u64, Failure> {
        let first = self.next;
        while !data.is_empty() {
            match &mut self.rx {
                Rx::Header { have, bytes } => {
                    let need = |b: &[u8]| match b[1] & 0x7f {
                        126 => 4,
                        127 => 10,
                        _ => 2,
                    };
                    while *have < 2 || *have < need(&bytes[..]) {
                        let Some((&b, rest)) = data.split_first() else {
                            return Ok(self.next - first);
                        };
                        bytes[*have] = b;
                        *have += 1;
                        data = rest;
                    }
                    let header = &bytes[..*have];
                    if header[0] != 0x80 | self.opcode {
                        return Err(format!(
                            "frame byte 0 is {:#04x}, not FIN + opcode {} without RSV",
                            header[0], self.opcode
                        ));
                    }
                    if header[1] & 0x80 != 0 {
                        return Err("the server masked a frame (RFC 6455 section 5.1)".into());
                    }
                    let len = match header[1] & 0x7f {
                        126 => u16::from_be_bytes([header[2], header[3]]) as u64,
                        127 => u64::from_be_bytes(header[2..10].try_into().expect("8 bytes")),
                        n => u64::from(n),
                    };
                    // RFC 6455 section 5.2: the minimal number of bytes for the length.
                    let minimal = match header.len() {
                        2 => true,
                        4 => len > 125,
                        _ => len > 0xffff,
                    };
                    if !minimal || len != self.size as u64 {
                        return Err(format!("echo of {len} bytes, sent {}", self.size));
                    }
                    self.rx = Rx::Payload { at: 0 };
                    if self.size == 0 {
                        self.done();
                    }
                }
                Rx::Payload { at } => {
                    let n = data.len().min(self.size - *at);
                    let (chunk, rest) = data.split_at(n);
                    let start = *at;
                    *at += n;
                    let done = *at == self.size;
                    data = rest;
                    self.check(start, chunk)?;
                    if done {
                        self.done();
                    }
                }
            }
        }
        Ok(self.next - first)
    }

    /// Checks payload bytes `start..` of the echo being read.
    fn check(&self, start: usize, chunk: &[u8]) -> Result<(), Failure> {
        let seq_len = SEQ_LEN.min(self.size);
        if start < seq_len {
            let digits = seq_digits(self.next);
            let expected = &digits[SEQ_LEN - seq_len..];
            let end = seq_len.min(start + chunk.len());
            if chunk[..end - start] != expected[start..end] {
                return Err(format!("echo out of order: expected message {}", self.next));
            }
        }
        if self.next.is_multiple_of(self.check_every) {
            let from = start.max(seq_len);
            let end = start + chunk.len();
            if from < end && chunk[from - start..] != self.plain[from..end] {
                return Err(format!("echo {} differs from what was sent", self.next));
            }
        }
        Ok(())
    }

    fn done(&mut self) {
        self.next += 1;
        self.rx = Rx::Header {
            have: 0,
            bytes: [0; 10],
        };
    }
}

/// One connection after its handshake.
struct Connection {
    stream: TcpStream,
    out: Outgoing,
    echoes: Echoes,
    inflight: usize,
    /// Messages that may be sent now (the window minus those in flight).
    credits: usize,
    next_send: u64,
    /// Send instants of the messages in flight, by sequence number modulo the window.
    sent_at: Vec<Instant>,
    /// Small frames queued for one write.
    batch: Vec<u8>,
    /// Bytes of the current output (batch or frame) already written.
    written: usize,
    /// Length of the current output; 0 when nothing is being written.
    out_len: usize,
    buf: Vec<u8>,
    stats: Rc<Stats>,
}

impl Connection {
    /// Takes what arrived: checks the echoes, frees a window slot for each
    /// and records its round trip.
    fn receive(&mut self, n: usize) -> Result<(), Failure> {
        let first = self.echoes.next;
        let done = self.echoes.take(&self.buf[..n])?;
        self.credits += done as usize;
        if done > 0 && self.stats.measuring.get() {
            let now = Instant::now();
            let mut rtt = self.stats.rtt.borrow_mut();
            for seq in first..first + done {
                rtt.record(now.duration_since(self.sent_at[(seq % self.inflight as u64) as usize]));
            }
            self.stats.messages.set(self.stats.messages.get() + done);
        }
        Ok(())
    }

    /// Starts the next output when the last one is written: every message
    /// the window allows in one batch (small frames), or the next frame.
    fn refill(&mut self) {
        if self.written < self.out_len || self.credits == 0 {
            return;
        }
        let now = Instant::now();
        let frames = if self.out.frame.len() <= BATCH_LIMIT {
            self.batch.clear();
            self.credits
        } else {
            1
        };
        for _ in 0..frames {
            self.out.patch(self.next_send);
            self.sent_at[(self.next_send % self.inflight as u64) as usize] = now;
            self.next_send += 1;
            if self.out.frame.len() <= BATCH_LIMIT {
                self.batch.extend_from_slice(&self.out.frame);
            }
        }
        self.credits -= frames;
        self.written = 0;
        self.out_len = if self.out.frame.len() <= BATCH_LIMIT {
            self.batch.len()
        } else {
            self.out.frame.len()
        };
    }

    /// Reads and writes until both would block.
    fn poll_run(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Failure>> {
        loop {
            let mut progress = false;
            let mut rb = ReadBuf::new(&mut self.buf);
            match Pin::new(&mut self.stream).poll_read(cx, &mut rb) {
                Poll::Ready(Ok(())) if rb.filled().is_empty() => {
                    return Poll::Ready(Err("the server closed the connection".into()));
                }
                Poll::Ready(Ok(())) => {
                    let n = rb.filled().len();
                    self.receive(n)?;
                    progress = true;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(format!("read: {e}"))),
                Poll::Pending => {}
            }
            self.refill();
            while self.written < self.out_len {
                let pending = if self.out.frame.len() <= BATCH_LIMIT {
                    &self.batch[self.written..self.out_len]
                } else {
                    &self.out.frame[self.written..self.out_len]
                };
                match Pin::new(&mut self.stream).poll_write(cx, pending) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err("write returned 0".into())),
                    Poll::Ready(Ok(n)) => {
                        self.written += n;
                        progress = true;
                        self.refill();
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(format!("write: {e}"))),
                    Poll::Pending => break,
                }
            }
            if !progress {
                return Poll::Pending;
            }
        }
    }
}

/// Connects and does the opening handshake (RFC 6455 section 4.1) by hand;
/// returns the stream and the bytes read after the 101's head.
async fn open(args: &Args) -> io::Result<(TcpStream, Vec<u8>)> {
    let mut stream = TcpStream::connect(args.connect).await?;
    stream.set_nodelay(true)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n",
        args.path, args.connect
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::with_capacity(1024);
    let end = loop {
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if head.len() > 16 * 1024 || stream.read_buf(&mut head).await? == 0 {
            return Err(io::Error::other("no complete handshake response"));
        }
    };
    let text = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
    let bad = |what: &str| io::Error::other(format!("{what} in the handshake response:\n{text}"));
    if !text.starts_with("http/1.1 101") {
        return Err(bad("no 101"));
    }
    let field = |name: &str| {
        text.split("\r\n")
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    if field("sec-websocket-accept:").as_deref() != Some(&ACCEPT.to_ascii_lowercase()[..]) {
        return Err(bad("a wrong Sec-WebSocket-Accept"));
    }
    if field("sec-websocket-extensions:").is_some() {
        return Err(bad("an extension nobody asked for"));
    }
    Ok((stream, head[end..].to_vec()))
}

/// Linux's USER_HZ, the unit of the CPU times in /proc (fixed at 100).
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system CPU seconds the process `pid` ("self" for us) used so far.
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return f64::NAN;
    };
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / TICKS_PER_SECOND,
        _ => f64::NAN,
    }
}

async fn run(args: Args) {
    let stats = Rc::new(Stats {
        measuring: Cell::new(false),
        messages: Cell::new(0),
        rtt: RefCell::new(Histogram::new()),
    });
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64)
        | 1;
    let mut connections = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        let (stream, leftover) = match open(&args).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("ws-load: {e}");
                std::process::exit(1);
            }
        };
        if !leftover.is_empty() {
            eprintln!("ws-load: the server sent frames before any message");
            std::process::exit(1);
        }
        let out = Outgoing::new(args.size, args.binary, mask_key(&mut seed));
        let opcode = if args.binary { 0x2 } else { 0x1 };
        connections.push(Connection {
            stream,
            echoes: Echoes::new(args.size, opcode, args.check_every, out.plain.clone()),
            inflight: args.inflight,
            credits: args.inflight,
            next_send: 0,
            sent_at: vec![Instant::now(); args.inflight],
            batch: Vec::with_capacity(out.frame.len() * args.inflight.min(1024)),
            written: 0,
            out_len: 0,
            buf: vec![0; (4 * (args.size + 14) * args.inflight).clamp(64 * 1024, 1 << 20)],
            out,
            stats: stats.clone(),
        });
    }
    for mut c in connections {
        tokio::task::spawn_local(async move {
            if let Err(e) = poll_fn(|cx| c.poll_run(cx)).await {
                eprintln!("ws-load: {e}");
                std::process::exit(1);
            }
        });
    }
    tokio::time::sleep(Duration::from_secs_f64(args.warmup)).await;
    let server = args.server_pid.map(|p| p.to_string());
    let server_cpu = || server.as_deref().map_or(f64::NAN, cpu_seconds);
    let (cpu0, own0, t0) = (server_cpu(), cpu_seconds("self"), Instant::now());
    stats.measuring.set(true);
    tokio::time::sleep(Duration::from_secs_f64(args.duration)).await;
    stats.measuring.set(false);
    let elapsed = t0.elapsed().as_secs_f64();
    let (cpu1, own1) = (server_cpu(), cpu_seconds("self"));
    let messages = stats.messages.get();
    let p99 = stats.rtt.borrow().quantile(0.99);
    println!("messages: {messages}");
    println!("messages/s: {:.0}", messages as f64 / elapsed);
    println!("p99 round trip µs: {p99}");
    println!("client CPU: {:.0}%", (own1 - own0) * 100.0 / elapsed);
    if server.is_some() {
        println!("server CPU: {:.0}%", (cpu1 - cpu0) * 100.0 / elapsed);
        println!(
            "server CPU µs/msg: {:.3}",
            (cpu1 - cpu0) * 1e6 / messages.max(1) as f64
        );
    }
    std::process::exit(if messages == 0 { 1 } else { 0 });
}

fn main() {
    let args = parse_args();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    tokio::task::LocalSet::new().block_on(&runtime, run(args));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server's frame echoing message `seq` of `out` (unmasked).
    fn echo_of(out: &mut Outgoing, seq: u64) -> Vec<u8> {
        out.patch(seq);
        let mut frame = out.frame.clone();
        frame[1] &= 0x7f;
        let at = out.payload_at;
        let payload: Vec<u8> = frame[at..]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ out.key[i % 4])
            .collect();
        frame.truncate(at - 4);
        frame.extend_from_slice(&payload);
        frame
    }

    fn checker(out: &Outgoing, size: usize, opcode: u8) -> Echoes {
        Echoes::new(size, opcode, 1, out.plain.clone())
    }

    #[test]
    fn echoes_in_any_split_are_counted() {
        for (size, binary) in [(16, false), (200, true), (70_000, true)] {
            let mut out = Outgoing::new(size, binary, [0x12, 0x34, 0x56, 0x78]);
            let opcode = if binary { 2 } else { 1 };
            let wire: Vec<u8> = (0..3).flat_map(|seq| echo_of(&mut out, seq)).collect();
            for step in [1, 7, 1000, wire.len()] {
                let mut echoes = checker(&out, size, opcode);
                let done: u64 = wire.chunks(step).map(|c| echoes.take(c).unwrap()).sum();
                assert_eq!(done, 3, "size {size}, pieces of {step}");
            }
        }
    }

    #[test]
    fn wrong_echoes_are_refused() {
        let mut out = Outgoing::new(16, false, [1, 2, 3, 4]);
        let good = echo_of(&mut out, 0);
        let refused = |wire: &[u8], why: &str| {
            let err = checker(&out, 16, 1).take(wire).unwrap_err();
            assert!(err.contains(why), "{err}");
        };
        let mut masked = good.clone();
        masked[1] |= 0x80;
        refused(&masked, "masked");
        let mut binary = good.clone();
        binary[0] = 0x82;
        refused(&binary, "opcode");
        let mut not_fin = good.clone();
        not_fin[0] = 0x01;
        refused(&not_fin, "FIN");
        let mut rsv = good.clone();
        rsv[0] |= 0x40;
        refused(&rsv, "RSV");
        let mut long_form = vec![0x81, 126, 0, 16];
        long_form.extend_from_slice(&good[2..]);
        refused(&long_form, "16 bytes");
        let mut other = Outgoing::new(16, false, [1, 2, 3, 4]);
        refused(&echo_of(&mut other, 1), "out of order");
        // Past the sequence digits, the payload is compared with what was sent.
        let mut long = Outgoing::new(64, false, [1, 2, 3, 4]);
        let mut changed = echo_of(&mut long, 0);
        *changed.last_mut().unwrap() ^= 1;
        let err = checker(&long, 64, 1).take(&changed).unwrap_err();
        assert!(err.contains("differs"), "{err}");
    }

    #[test]
    fn p99_of_a_known_spread() {
        let mut h = Histogram::new();
        for us in 1..=1000u64 {
            h.record(Duration::from_micros(us));
        }
        h.record(Duration::from_millis(250));
        assert_eq!(h.quantile(0.99), 991);
        assert_eq!(h.quantile(1.0), 250_000);
    }
}
