/// Why a `TLSConfiguration` could not be built; each description is one line naming the file at fault.
public enum TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The certificate file is missing, unreadable or not a regular file.
    case unreadableCertificate(path: String, reason: String)
    /// The certificate file holds no usable PEM certificate (chain).
    case invalidCertificate(path: String, reason: String)
    /// The key file is missing, unreadable or not a regular file.
    case unreadableKey(path: String, reason: String)
    /// The key file holds no usable unencrypted PEM private key.
    case invalidKey(path: String, reason: String)
    /// The private key is not the one the certificate was issued for.
    case keyMismatch(keyPath: String, certificatePath: String)
    /// OpenSSL could not set up the server context (out of memory, or a policy it rejects).
    case setup(reason: String)

    public var description: String {
        switch self {
        case let .unreadableCertificate(path, reason):
            return "TLS certificate file '\(path)' cannot be read: \(reason)"
        case let .invalidCertificate(path, reason):
            return "TLS certificate file '\(path)' holds no valid PEM certificate: \(reason)"
        case let .unreadableKey(path, reason):
            return "TLS key file '\(path)' cannot be read: \(reason)"
        case let .invalidKey(path, reason):
            return "TLS key file '\(path)' holds no valid unencrypted PEM private key: \(reason)"
        case let .keyMismatch(keyPath, certificatePath):
            return "TLS key file '\(keyPath)' does not match the certificate in '\(certificatePath)'"
        case let .setup(reason):
            return "Cannot set up TLS: \(reason)"
        }
    }
}
