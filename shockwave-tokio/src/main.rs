//! The reference server: `GET /` says hello, `POST /echo` streams the body
//! back, `/ws` (and `/ws/owned`) is a WebSocket echo, anything else is 404, over HTTP/1.1 and HTTP/2 (h2c prior knowledge) on `--listen` and HTTPS on
//! `--tls-listen` (ALPN h2 and http/1.1). It uses the native handler and is the benchmark target.

use std::net::SocketAddr;
use std::process::ExitCode;

use shockwave_tokio::server::{Reference, Server, TlsConfig};

const USAGE: &str = "\
shockwave: the Shockwave reference server

usage: shockwave [options]

  --listen ADDR      plain HTTP/1.1 and h2c address (default 127.0.0.1:8080)
  --tls-listen ADDR  HTTPS address (ALPN h2, http/1.1); off unless given
  --cert FILE        PEM certificate chain for --tls-listen
  --key FILE         PEM private key for --tls-listen
                     (without --cert/--key a self-signed certificate is made)
  --threads N        tokio worker threads (default: number of cores)
  -h, --help         this text

routes: GET / (hello), POST /echo (echoes the body), GET /ws (WebSocket
echo, permessage-deflate accepted; GET /ws/owned: the same echo made of
owned messages), 404 otherwise.
Ctrl-C shuts down gracefully.";

struct Args {
    listen: SocketAddr,
    tls_listen: Option<SocketAddr>,
    cert: Option<String>,
    key: Option<String>,
    threads: usize,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        tls_listen: None,
        cert: None,
        key: None,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Ok(None);
        }
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--listen" => args.listen = parse_addr(&value()?)?,
            "--tls-listen" => args.tls_listen = Some(parse_addr(&value()?)?),
            "--cert" => args.cert = Some(value()?),
            "--key" => args.key = Some(value()?),
            "--threads" => {
                let v = value()?;
                args.threads = v
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--threads: not a positive number: {v}"))?;
            }
            _ => return Err(format!("unknown option: {flag}")),
        }
    }
    if args.cert.is_some() != args.key.is_some() {
        return Err("--cert and --key go together".into());
    }
    Ok(Some(args))
}

fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    s.parse()
        .map_err(|e| format!("not an address (IP:PORT): {s}: {e}"))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("shockwave: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shockwave: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> std::io::Result<()> {
    let mut server = Server::bind(args.listen)?;
    if let Some(addr) = args.tls_listen {
        let tls = match (&args.cert, &args.key) {
            (Some(cert), Some(key)) => TlsConfig::from_pem_files(cert, key)?,
            _ => {
                let mut names = vec!["localhost".to_string(), addr.ip().to_string()];
                if !addr.ip().is_loopback() && !addr.ip().is_unspecified() {
                    names.push("127.0.0.1".into());
                }
                TlsConfig::self_signed(names)?
            }
        };
        server = server.bind_tls(addr, tls)?;
    }
    for (addr, tls) in server.local_addrs() {
        let scheme = if tls { "https" } else { "http" };
        println!("listening on {scheme}://{addr}");
    }
    // One thread: accept and serve on the same thread, with no work-stealing
    // scheduler between them. More: a worker per thread.
    let runtime = if args.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()?
    };
    runtime.block_on(server.serve_handler_with_shutdown(Reference, async {
        let _ = tokio::signal::ctrl_c().await;
        println!("shutting down");
    }))
}
