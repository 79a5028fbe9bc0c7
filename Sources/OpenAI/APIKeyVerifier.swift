/// Compares two byte strings in time that depends only on their lengths, never on where they differ.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt(bitPattern: a.count ^ b.count)
    for index in 0..<max(a.count, b.count) {
        // The bounds checks depend on the lengths only; the bytes are folded in without any early exit.
        let x = index < a.count ? a[index] : 0
        let y = index < b.count ? b[index] : 0
        difference |= UInt(x ^ y)
    }
    return difference == 0
}

/// Checks `Authorization: Bearer <key>` headers against the configured API keys.
///
/// The token is compared with every key, each in constant time, so timing reveals neither which key
/// nor how much of one matched. A verifier with no keys rejects everything: to disable auth, use none.
public struct APIKeyVerifier: Sendable {
    private let keys: [[UInt8]]

    /// Creates a verifier; empty keys are ignored.
    public init(keys: [String]) {
        self.keys = keys.filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    /// The token of a `Bearer` header (scheme case-insensitive), or nil when the header is absent or not Bearer.
    public static func bearerToken(from authorizationHeader: String?) -> String? {
        guard let header = authorizationHeader?.trimmingSpaces else { return nil }
        guard let space = header.firstIndex(where: { $0 == " " || $0 == "\t" }),
              header[..<space].lowercased() == "bearer" else { return nil }
        let token = header[space...].trimmingSpaces
        return token.isEmpty ? nil : token
    }

    /// Whether the header carries one of the keys.
    public func verify(authorizationHeader: String?) -> Bool {
        guard let token = Self.bearerToken(from: authorizationHeader) else { return false }
        let bytes = Array(token.utf8)
        var matched = false
        for key in keys {
            let equal = constantTimeEquals(bytes, key)
            matched = matched || equal
        }
        return matched
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's optional whitespace).
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
