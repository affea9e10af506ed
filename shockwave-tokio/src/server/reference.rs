//! The reference server's routes as a native handler: `GET /` says hello,
//! `POST /echo` streams the request body back, anything else is 404.

use shockwave_proto::h1::{BodyFraming, Method};

use super::native::Handler;
use super::{Request, Responder, UsageError};

/// The reference server's handler (the benchmark target).
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

/// Which route a request took.
#[derive(Debug)]
pub enum Route {
    /// `GET /` (and `HEAD /`).
    Hello,
    /// `POST /echo`: the body comes back with the request's own framing.
    Echo(BodyFraming),
    /// Anything else.
    NotFound,
}

const HELLO: &[u8] = b"Hello from Shockwave!\n";
const TEXT: &[(&[u8], &[u8])] = &[(b"content-type", b"text/plain; charset=utf-8")];
const OCTETS: &[(&[u8], &[u8])] = &[(b"content-type", b"application/octet-stream")];

impl Handler for Reference {
    type State = Route;

    fn on_request(&self, req: &Request<'_>, _scratch: &mut Vec<u8>) -> Route {
        match (req.method(), req.path()) {
            (Method::Get | Method::Head, b"/") => Route::Hello,
            (Method::Post, b"/echo") => Route::Echo(req.body_framing()),
            _ => Route::NotFound,
        }
    }

    fn on_data(&self, route: &mut Route, data: &[u8], scratch: &mut Vec<u8>) {
        if let Route::Echo(_) = route {
            scratch.extend_from_slice(data);
        }
    }

    fn respond(&self, route: &mut Route, res: &mut Responder<'_>) {
        let result = match *route {
            Route::Hello => res.send_response_with_body(200, TEXT, HELLO),
            Route::NotFound => res.send_response_with_body(404, TEXT, b"not found\n"),
            Route::Echo(framing) => echo(res, framing),
        };
        if let Err(e) = result {
            tracing::debug!(error = %e, "reference handler");
            res.close();
        }
    }
}

fn echo(res: &mut Responder<'_>, framing: BodyFraming) -> Result<(), UsageError> {
    if !res.is_started() {
        res.send_response(200, OCTETS, framing)?;
    }
    if res.send_scratch()? && res.is_request_finished() && !res.is_done() {
        res.finish()?;
    }
    Ok(())
}
