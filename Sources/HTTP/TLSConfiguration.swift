import COpenSSL
import Foundation
import Glibc

/// A server certificate and key loaded into an OpenSSL context, with the server's TLS policy applied.
///
/// Policy: TLS 1.2 and 1.3 only; for TLS 1.2 Mozilla's "intermediate" ciphers (forward-secret AEAD suites)
/// in the server's order of preference; TLS 1.3's default suites; no compression, no renegotiation; HTTP/1.1 only.
///
/// `@unchecked Sendable`: the `SSL_CTX` is created and fully configured in `init`, never changed afterwards,
/// and only read (`SSL_new`) by connection threads, which OpenSSL allows concurrently (its session cache and
/// reference counts lock internally). It is freed in `deinit`; each `SSL` made from it holds its own reference.
public final class TLSConfiguration: @unchecked Sendable {
    /// The PEM certificate file: the server certificate first, then any intermediates (a "fullchain" file).
    public let certificatePath: String
    /// The PEM private key file (unencrypted; PKCS#8 or traditional RSA/EC).
    public let keyPath: String
    /// The `SSL_CTX` every connection's session is made from.
    let context: OpaquePointer

    /// Mozilla "intermediate" TLS 1.2 suites (https://wiki.mozilla.org/Security/Server_Side_TLS, v5.7).
    static let tls12Ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")

    /// Loads the certificate chain and key and builds the server context; throws a `TLSError` naming the bad file.
    public init(certificatePath: String, keyPath: String) throws(TLSError) {
        if let reason = Self.unreadableReason(certificatePath) {
            throw .unreadableCertificate(path: certificatePath, reason: reason)
        }
        if let reason = Self.unreadableReason(keyPath) {
            throw .unreadableKey(path: keyPath, reason: reason)
        }
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw .setup(reason: OpenSSLErrorQueue.takeReason(fallback: "SSL_CTX_new failed"))
        }
        do {
            try Self.applyPolicy(context)
            try Self.loadCertificate(certificatePath, into: context)
            try Self.loadKey(keyPath, certificatePath: certificatePath, into: context)
        } catch {
            SSL_CTX_free(context)
            throw error
        }
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.context = context
    }

    deinit {
        SSL_CTX_free(context)
    }

    private static func applyPolicy(_ context: OpaquePointer) throws(TLSError) {
        guard hearth_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw .setup(reason: OpenSSLErrorQueue.takeReason(fallback: "cannot require TLS 1.2"))
        }
        // Unexpected EOF counts as an orderly close: HTTP framing, not close_notify, tells a complete message.
        _ = SSL_CTX_set_options(context, HEARTH_SSL_OP_NO_COMPRESSION | HEARTH_SSL_OP_NO_RENEGOTIATION
            | HEARTH_SSL_OP_CIPHER_SERVER_PREFERENCE | HEARTH_SSL_OP_IGNORE_UNEXPECTED_EOF)
        guard SSL_CTX_set_cipher_list(context, tls12Ciphers) == 1 else {
            throw .setup(reason: OpenSSLErrorQueue.takeReason(fallback: "no TLS 1.2 cipher suite is available"))
        }
        // DHE suites need parameters; "auto" picks groups matching the key's strength (RFC 7919).
        _ = hearth_SSL_CTX_set_dh_auto(context, 1)
        // A write retried after WANT_WRITE may come from a Swift array at another address.
        _ = hearth_SSL_CTX_set_mode(context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
    }

    private static func loadCertificate(_ path: String, into context: OpaquePointer) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard SSL_CTX_use_certificate_chain_file(context, path) == 1 else {
            let reason = OpenSSLErrorQueue.takeReason(fallback: "unusable certificate")
            guard pemText(path).contains("-----BEGIN CERTIFICATE-----") else {
                throw .invalidCertificate(path: path, reason: "no '-----BEGIN CERTIFICATE-----' block found")
            }
            throw .invalidCertificate(path: path, reason: reason)
        }
    }

    /// Reads the key separately from installing it, so "not a key" and "wrong key" get different errors.
    private static func loadKey(_ path: String, certificatePath: String, into context: OpaquePointer) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let file = BIO_new_file(path, "r") else {
            throw .unreadableKey(path: path, reason: OpenSSLErrorQueue.takeReason(fallback: "cannot open"))
        }
        defer { BIO_free(file) }
        // The passphrase callback declines: a server must not stop to prompt on its terminal for a password.
        guard let key = PEM_read_bio_PrivateKey(file, nil, { _, _, _, _ in 0 }, nil) else {
            // OpenSSL 3's decoder reports these cases only as "unsupported" or "bad decrypt".
            let reason = OpenSSLErrorQueue.takeReason(fallback: "no private key found")
            let text = pemText(path)
            if text.contains("ENCRYPTED") {
                throw .invalidKey(path: path, reason: "the key is encrypted; a server cannot prompt for its passphrase, so store it decrypted")
            }
            guard text.contains("PRIVATE KEY-----") else {
                throw .invalidKey(path: path, reason: "no '-----BEGIN PRIVATE KEY-----' block found")
            }
            throw .invalidKey(path: path, reason: reason)
        }
        defer { EVP_PKEY_free(key) }
        // A key of another type goes into another slot without complaint; the check then finds no pair.
        guard SSL_CTX_use_PrivateKey(context, key) == 1, SSL_CTX_check_private_key(context) == 1 else {
            OpenSSLErrorQueue.clear()
            throw .keyMismatch(keyPath: path, certificatePath: certificatePath)
        }
    }

    /// The file's text for diagnosing a load failure; empty if it cannot be read.
    private static func pemText(_ path: String) -> String {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// Why `path` cannot be read as a file, or nil if it can; gives the errno text OpenSSL would bury.
    private static func unreadableReason(_ path: String) -> String? {
        // O_NONBLOCK so a FIFO given by mistake cannot hang startup.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return Posix.describe(errno: errno) }
        defer { _ = close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return Posix.describe(errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { return "not a regular file" }
        return nil
    }
}
