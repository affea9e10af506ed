//! WebSocket (RFC 6455, RFC 7692, RFC 8441).
