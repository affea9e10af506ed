//! The machine under test in either role, behind one set of verbs, and its
//! events as owned values, checked as they are copied: what reaches the
//! application must be valid HTTP/2 (RFC 9113 section 8.2).

use shockwave_proto::h2::{ClientConn, ClientEvent, Error, Headers, ServerConn, ServerEvent};

/// The machine under test, either role.
pub enum Machine {
    /// The server role.
    Server(ServerConn),
    /// The client role.
    Client(ClientConn),
}

/// Calls the same method on either role.
macro_rules! both {
    ($self:expr, $m:ident => $e:expr) => {
        match $self {
            Machine::Server($m) => $e,
            Machine::Client($m) => $e,
        }
    };
}

/// An owned event of either role.
#[derive(Debug)]
pub enum Ev {
    /// A request (server), response or informational response (client), or a
    /// promised request (client, with its associated stream).
    Head {
        stream: u32,
        status: u16,
        end_stream: bool,
        content_length: Option<u64>,
        promised_on: Option<u32>,
    },
    /// A 1xx response (client).
    Informational {
        stream: u32,
    },
    Data {
        stream: u32,
        len: usize,
        end_stream: bool,
    },
    Trailers {
        stream: u32,
    },
    Reset {
        stream: u32,
        by_peer: bool,
    },
    SendReady,
    Other,
}

/// Checks a field list the machine hands over: valid names and values, no
/// pseudo-headers, no connection-specific fields (RFC 9113 section 8.2).
fn check_fields(fields: Headers<'_>) {
    for (name, value) in fields.iter() {
        assert!(
            !name.is_empty()
                && name
                    .iter()
                    .all(|&b| { b > 0x20 && b < 0x7f && !b.is_ascii_uppercase() && b != b':' }),
            "invalid field name {name:?} reached the application"
        );
        assert!(
            !matches!(
                name,
                b"connection"
                    | b"keep-alive"
                    | b"proxy-connection"
                    | b"transfer-encoding"
                    | b"upgrade"
            ),
            "connection-specific field {name:?} reached the application"
        );
        if name == b"te" {
            assert_eq!(value, b"trailers");
        }
        assert!(
            !value.iter().any(|&b| b == 0 || b == b'\r' || b == b'\n'),
            "invalid value {value:?} reached the application"
        );
        let edge = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t'));
        assert!(
            !edge(value.first()) && !edge(value.last()),
            "untrimmed value {value:?}"
        );
    }
}

impl Machine {
    pub fn next_event(&mut self) -> Option<Ev> {
        Some(match self {
            Machine::Server(m) => match m.poll_event()? {
                ServerEvent::RequestReceived {
                    stream,
                    request,
                    end_stream,
                } => {
                    check_fields(request.fields());
                    assert!(!request.method().is_empty());
                    Ev::Head {
                        stream: stream.value(),
                        status: 0,
                        end_stream,
                        content_length: request.content_length(),
                        promised_on: None,
                    }
                }
                ServerEvent::DataReceived {
                    stream,
                    data,
                    end_stream,
                } => Ev::Data {
                    stream: stream.value(),
                    len: data.len(),
                    end_stream,
                },
                ServerEvent::TrailersReceived { stream, trailers } => {
                    check_fields(trailers);
                    Ev::Trailers {
                        stream: stream.value(),
                    }
                }
                ServerEvent::StreamReset {
                    stream, by_peer, ..
                } => Ev::Reset {
                    stream: stream.value(),
                    by_peer,
                },
                ServerEvent::SendReady { .. } => Ev::SendReady,
                _ => Ev::Other,
            },
            Machine::Client(m) => match m.poll_event()? {
                ClientEvent::ResponseReceived {
                    stream,
                    response,
                    end_stream,
                } => {
                    check_fields(response.fields());
                    let status = response.status();
                    assert!((200..=999).contains(&status), "final status {status}");
                    Ev::Head {
                        stream: stream.value(),
                        status,
                        end_stream,
                        content_length: response.content_length(),
                        promised_on: None,
                    }
                }
                ClientEvent::InformationalReceived {
                    stream,
                    status,
                    fields,
                } => {
                    check_fields(fields);
                    assert!(
                        (100..=199).contains(&status) && status != 101,
                        "1xx {status}"
                    );
                    Ev::Informational {
                        stream: stream.value(),
                    }
                }
                ClientEvent::PushPromised {
                    associated,
                    promised,
                    request,
                } => {
                    check_fields(request.fields());
                    Ev::Head {
                        stream: promised.value(),
                        status: 0,
                        end_stream: false,
                        content_length: None,
                        promised_on: Some(associated.value()),
                    }
                }
                ClientEvent::DataReceived {
                    stream,
                    data,
                    end_stream,
                } => Ev::Data {
                    stream: stream.value(),
                    len: data.len(),
                    end_stream,
                },
                ClientEvent::TrailersReceived { stream, trailers } => {
                    check_fields(trailers);
                    Ev::Trailers {
                        stream: stream.value(),
                    }
                }
                ClientEvent::StreamReset {
                    stream, by_peer, ..
                } => Ev::Reset {
                    stream: stream.value(),
                    by_peer,
                },
                ClientEvent::SendReady { .. } => Ev::SendReady,
                _ => Ev::Other,
            },
        })
    }

    pub fn queued_output(&self) -> usize {
        both!(self, m => m.queued_output())
    }

    pub fn active_streams(&self) -> usize {
        both!(self, m => m.active_streams())
    }

    pub fn is_closed(&self) -> bool {
        both!(self, m => m.is_closed())
    }

    pub fn error(&self) -> Option<Error> {
        both!(self, m => m.error())
    }
}
