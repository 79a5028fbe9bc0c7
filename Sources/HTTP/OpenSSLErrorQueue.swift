import COpenSSL

/// The calling thread's OpenSSL error queue, which OpenSSL calls append to and `SSL_get_error` consults.
enum OpenSSLErrorQueue {
    /// Empties the queue, as `SSL_get_error` requires before each TLS I/O call.
    static func clear() {
        ERR_clear_error()
    }

    /// The reason of the earliest queued error (the root cause; later entries only add context), or
    /// `fallback` when the queue is empty. Empties the queue.
    static func takeReason(fallback: String) -> String {
        defer { ERR_clear_error() }
        return reason(of: ERR_peek_error()) ?? fallback
    }

    /// The short reason text for an error code, e.g. "no start line"; nil for 0.
    static func reason(of code: UInt) -> String? {
        guard code != 0 else { return nil }
        let reason = hearth_ERR_GET_REASON(code)
        if hearth_ERR_GET_LIB(code) == ERR_LIB_SYS { return Posix.describe(errno: reason) }
        if let text = ERR_reason_error_string(code) { return String(cString: text) }
        return "OpenSSL error \(hearth_ERR_GET_LIB(code)):\(reason)"
    }
}
