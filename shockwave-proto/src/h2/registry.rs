//! The HTTP/2 wire registries (RFC 9113 section 11, RFC 8441, RFC 9218): frame
//! types, error codes and settings identifiers.
//!
//! Each registry is one table; its constants, [`name`](ErrorCode::name) and
//! `Display` all come from that table. Values outside the table are kept as they
//! are (an unknown error code in a GOAWAY is still reported to the application;
//! an unknown frame type or setting is ignored, RFC 9113 sections 5.5 and 6.5.2).

use core::fmt;

/// Declares a registry newtype with one constant a row, `name()` and `Display`.
macro_rules! registry {
    (
        $(#[$meta:meta])*
        $name:ident($repr:ty), $hex_width:literal {
            $( $(#[$row_meta:meta])* $konst:ident = $value:literal, $text:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub $repr);

        impl $name {
            $( $(#[$row_meta])* pub const $konst: $name = $name($value); )*

            /// Every registered value, in table order.
            pub const ALL: &'static [$name] = &[$( $name($value) ),*];

            /// The registered name, or `None` for a value outside the table.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($text), )*
                    _ => None,
                }
            }

            /// Whether the value is in the table.
            pub const fn is_known(self) -> bool {
                self.name().is_some()
            }
        }

        impl From<$repr> for $name {
            fn from(value: $repr) -> Self {
                $name(value)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(text) => f.write_str(text),
                    None => write!(f, "0x{:0width$x}", self.0, width = $hex_width),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }
    };
}

registry! {
    /// A frame type (RFC 9113 section 11.2, RFC 9218 section 7.1). Types outside
    /// the table are extension frames, parsed as `Frame::Unknown` and ignored.
    FrameType(u8), 2 {
        /// Stream payload (section 6.1).
        DATA = 0x0, "DATA";
        /// Opens a stream and carries a field block (section 6.2).
        HEADERS = 0x1, "HEADERS";
        /// RFC 7540 priority signal, deprecated; parsed and checked, not used (section 6.3).
        PRIORITY = 0x2, "PRIORITY";
        /// Ends a stream abruptly (section 6.4).
        RST_STREAM = 0x3, "RST_STREAM";
        /// Connection parameters (section 6.5).
        SETTINGS = 0x4, "SETTINGS";
        /// Reserves a pushed stream (section 6.6).
        PUSH_PROMISE = 0x5, "PUSH_PROMISE";
        /// Liveness and round-trip measurement (section 6.7).
        PING = 0x6, "PING";
        /// Connection shutdown (section 6.8).
        GOAWAY = 0x7, "GOAWAY";
        /// Flow-control credit (section 6.9).
        WINDOW_UPDATE = 0x8, "WINDOW_UPDATE";
        /// The rest of a field block (section 6.10).
        CONTINUATION = 0x9, "CONTINUATION";
        /// Reprioritizes a request (RFC 9218 section 7.1).
        PRIORITY_UPDATE = 0x10, "PRIORITY_UPDATE";
    }
}

registry! {
    /// An error code of RST_STREAM and GOAWAY (RFC 9113 section 7). Unknown codes
    /// are kept; RFC 9113 section 7 says they carry no special meaning and MAY be
    /// treated as `INTERNAL_ERROR`, which is left to the application.
    ErrorCode(u32), 1 {
        /// Graceful shutdown, or a stream not needed any more.
        NO_ERROR = 0x0, "NO_ERROR";
        /// An unspecific protocol violation.
        PROTOCOL_ERROR = 0x1, "PROTOCOL_ERROR";
        /// An unexpected internal error.
        INTERNAL_ERROR = 0x2, "INTERNAL_ERROR";
        /// The peer broke the flow-control rules.
        FLOW_CONTROL_ERROR = 0x3, "FLOW_CONTROL_ERROR";
        /// A SETTINGS frame was not acknowledged in time.
        SETTINGS_TIMEOUT = 0x4, "SETTINGS_TIMEOUT";
        /// A frame arrived after the stream was half-closed.
        STREAM_CLOSED = 0x5, "STREAM_CLOSED";
        /// A frame had an invalid size.
        FRAME_SIZE_ERROR = 0x6, "FRAME_SIZE_ERROR";
        /// The stream was refused before any processing.
        REFUSED_STREAM = 0x7, "REFUSED_STREAM";
        /// The stream is not needed any more.
        CANCEL = 0x8, "CANCEL";
        /// The field-compression context could not be maintained.
        COMPRESSION_ERROR = 0x9, "COMPRESSION_ERROR";
        /// The connection of a CONNECT request was reset or abnormally closed.
        CONNECT_ERROR = 0xa, "CONNECT_ERROR";
        /// The peer behaves in a way that may generate excessive load.
        ENHANCE_YOUR_CALM = 0xb, "ENHANCE_YOUR_CALM";
        /// The transport does not meet minimum security requirements.
        INADEQUATE_SECURITY = 0xc, "INADEQUATE_SECURITY";
        /// HTTP/1.1 must be used for this request.
        HTTP_1_1_REQUIRED = 0xd, "HTTP_1_1_REQUIRED";
    }
}

registry! {
    /// A SETTINGS parameter identifier (RFC 9113 section 6.5.2, RFC 8441 section 3,
    /// RFC 9218 section 2.1). Unknown identifiers are ignored.
    SettingId(u16), 4 {
        /// Most bytes of the HPACK dynamic table the sender's decoder keeps.
        HEADER_TABLE_SIZE = 0x1, "SETTINGS_HEADER_TABLE_SIZE";
        /// Whether server push is allowed (0 or 1).
        ENABLE_PUSH = 0x2, "SETTINGS_ENABLE_PUSH";
        /// Most streams the sender lets its peer open at once.
        MAX_CONCURRENT_STREAMS = 0x3, "SETTINGS_MAX_CONCURRENT_STREAMS";
        /// The sender's initial stream receive window.
        INITIAL_WINDOW_SIZE = 0x4, "SETTINGS_INITIAL_WINDOW_SIZE";
        /// The largest frame payload the sender accepts.
        MAX_FRAME_SIZE = 0x5, "SETTINGS_MAX_FRAME_SIZE";
        /// Advisory: the largest field section the sender accepts.
        MAX_HEADER_LIST_SIZE = 0x6, "SETTINGS_MAX_HEADER_LIST_SIZE";
        /// Extended CONNECT (RFC 8441 section 3).
        ENABLE_CONNECT_PROTOCOL = 0x8, "SETTINGS_ENABLE_CONNECT_PROTOCOL";
        /// The sender does not use RFC 7540 priorities (RFC 9218 section 2.1).
        NO_RFC7540_PRIORITIES = 0x9, "SETTINGS_NO_RFC7540_PRIORITIES";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn names_come_from_the_tables() {
        assert_eq!(
            ErrorCode::ENHANCE_YOUR_CALM.to_string(),
            "ENHANCE_YOUR_CALM"
        );
        assert_eq!(ErrorCode(0xff).to_string(), "0xff");
        assert_eq!(FrameType::PRIORITY_UPDATE.0, 0x10);
        assert_eq!(FrameType(0x42).to_string(), "0x42");
        assert_eq!(
            SettingId::ENABLE_CONNECT_PROTOCOL.to_string(),
            "SETTINGS_ENABLE_CONNECT_PROTOCOL"
        );
        assert_eq!(SettingId(0x7).to_string(), "0x0007");
        assert!(!SettingId(0x7).is_known());
        assert_eq!(ErrorCode::ALL.len(), 14);
        assert_eq!(ErrorCode::HTTP_1_1_REQUIRED.0, 0xd);
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(code.0, i as u32, "the error codes are dense from 0");
        }
    }
}
