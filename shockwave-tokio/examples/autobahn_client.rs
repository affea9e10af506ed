//! The Autobahn test client: runs every case a fuzzing server (Autobahn's
//! `wstest -m fuzzingserver`, or kosoku's) offers, echoing each message back,
//! then asks it to write its reports.
//!
//! ```text
//! cargo run --release -p shockwave-tokio --example autobahn_client -- ws://127.0.0.1:9001 [--agent NAME] [--parallel N]
//! ```
//!
//! The protocol: `GET /getCaseCount` (one text message: the count), then for
//! each case `GET /runCase?case=N&agent=NAME` (echo until the server closes),
//! then `GET /updateReports?agent=NAME`. `conformance/autobahn.py client`
//! runs this against kosoku and judges the results.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use shockwave_tokio::ws::{Connector, Message};

/// Receives until the connection is over, echoing text and binary messages.
async fn run_case(connector: &Connector, url: &str) -> Result<(), String> {
    let mut socket = connector.connect(url).await.map_err(|e| e.to_string())?;
    while let Some(message) = socket.recv().await {
        match message {
            // A failed send means the connection is closing: keep receiving
            // to finish the closing handshake.
            Ok(message) if message.is_data() => {
                let _ = socket.feed(message).await;
            }
            Ok(_) => {}
            // The machine answered the error with its Close frame already.
            Err(_) => {}
        }
    }
    Ok(())
}

async fn case_count(connector: &Connector, base: &str) -> Result<usize, String> {
    let url = format!("{base}/getCaseCount");
    let mut socket = connector
        .connect(&url)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let mut count = None;
    while let Some(message) = socket.recv().await {
        if let Ok(Message::Text(text)) = message {
            count = text.trim().parse::<usize>().ok();
        }
    }
    count.ok_or_else(|| format!("{url}: no case count"))
}

struct Args {
    base: String,
    agent: String,
    parallel: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        base: "ws://127.0.0.1:9001".into(),
        agent: "shockwave".into(),
        parallel: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--agent" => args.agent = it.next().ok_or("--agent needs a value")?,
            "--parallel" => {
                args.parallel = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--parallel needs a positive number")?
            }
            "-h" | "--help" => {
                return Err(
                    "usage: autobahn_client [ws://HOST:PORT] [--agent NAME] [--parallel N]".into(),
                );
            }
            url if url.starts_with("ws://") || url.starts_with("wss://") => {
                args.base = url.trim_end_matches('/').to_string();
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(args)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let connector = Arc::new(Connector::new());
    let count = match case_count(&connector, &args.base).await {
        Ok(n) => n,
        Err(e) => {
            eprintln!("autobahn_client: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("running {count} cases as {}", args.agent);

    // Cases are taken in order by `parallel` workers.
    let next = Arc::new(AtomicUsize::new(1));
    let failures = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..args.parallel)
        .map(|_| {
            let (connector, next, failures) = (connector.clone(), next.clone(), failures.clone());
            let (base, agent) = (args.base.clone(), args.agent.clone());
            tokio::spawn(async move {
                loop {
                    let case = next.fetch_add(1, Ordering::Relaxed);
                    if case > count {
                        return;
                    }
                    let url = format!("{base}/runCase?case={case}&agent={agent}");
                    if let Err(e) = run_case(&connector, &url).await {
                        eprintln!("case {case}: {e}");
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }

    let url = format!("{}/updateReports?agent={}", args.base, args.agent);
    if let Err(e) = run_case(&connector, &url).await {
        eprintln!("autobahn_client: {url}: {e}");
        return ExitCode::FAILURE;
    }
    let failed = failures.load(Ordering::Relaxed);
    println!("done: {count} cases, {failed} could not connect");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
