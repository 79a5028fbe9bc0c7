/// Byte-level grammar of HTTP/1.1 messages (RFC 9110 §5.6, RFC 9112 §3, §5, §7.1), free of parser state.
enum HTTPSyntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    /// The method, target and version of a request line.
    struct RequestLine: Equatable {
        var method: String
        var target: String
        var version: HTTPVersion
    }

    /// tchar from RFC 9110 §5.6.2, as a 256-entry table so the check is a load.
    private static let tokenTable: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    static func isTokenChar(_ byte: UInt8) -> Bool { tokenTable[Int(byte)] }

    /// field-vchar, SP and HTAB, with obs-text allowed (RFC 9110 §5.5).
    static func isFieldValueChar(_ byte: UInt8) -> Bool {
        byte == tab || byte == space || (byte > 0x20 && byte != 0x7F)
    }

    static func isOWS(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Parses `method SP request-target SP HTTP-version` with single spaces, as RFC 9112 §3 writes it.
    static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> RequestLine {
        let parts = line.split(separator: space, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HTTPParseError(.badRequest, "Malformed request line.")
        }
        let methodBytes = parts[0], targetBytes = parts[1], versionBytes = parts[2]
        guard methodBytes.allSatisfy(isTokenChar) else {
            throw HTTPParseError(.badRequest, "Invalid request method.")
        }
        let version = try parseVersion(versionBytes)
        // Visible ASCII only; "#" starts a fragment, which never belongs in a request (RFC 9112 §3.2).
        guard targetBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else {
            throw HTTPParseError(.badRequest, "Invalid request target.")
        }
        let method = String(decoding: methodBytes, as: UTF8.self)
        let target = String(decoding: targetBytes, as: UTF8.self)
        let isOriginForm = targetBytes.first == UInt8(ascii: "/")
        let isAsteriskForm = target == "*" && method == "OPTIONS"
        let lowered = target.lowercased()
        let isAbsoluteForm = lowered.hasPrefix("http://") || lowered.hasPrefix("https://")
        guard isOriginForm || isAsteriskForm || isAbsoluteForm else {
            throw HTTPParseError(.badRequest, "Unsupported request target form.")
        }
        return RequestLine(method: method, target: target, version: version)
    }

    /// Parses `HTTP/DIGIT.DIGIT`; a major version other than 1 is well-formed but unsupported.
    static func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPVersion {
        let prefix = Array("HTTP/".utf8)
        guard bytes.count == 8, bytes.prefix(5).elementsEqual(prefix),
              bytes[bytes.startIndex + 6] == UInt8(ascii: "."),
              let major = decimalDigit(bytes[bytes.startIndex + 5]),
              let minor = decimalDigit(bytes[bytes.startIndex + 7])
        else {
            throw HTTPParseError(.badRequest, "Malformed HTTP version.")
        }
        guard major == 1 else {
            throw HTTPParseError(.httpVersionNotSupported, "Only HTTP/1.0 and HTTP/1.1 are supported.")
        }
        return HTTPVersion(major: major, minor: minor)
    }

    private static func decimalDigit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// Parses `field-name ":" OWS field-value OWS`; whitespace before the colon is an error (RFC 9112 §5.1).
    static func parseFieldLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> (name: String, value: String) {
        if let first = line.first, isOWS(first) {
            throw HTTPParseError(.badRequest, "Obsolete header line folding is not accepted.")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw HTTPParseError(.badRequest, "Malformed header line.")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenChar) else {
            throw HTTPParseError(.badRequest, "Invalid header field name.")
        }
        var value = line[(colon + 1)...]
        while let first = value.first, isOWS(first) { value = value.dropFirst() }
        while let last = value.last, isOWS(last) { value = value.dropLast() }
        guard value.allSatisfy(isFieldValueChar) else {
            throw HTTPParseError(.badRequest, "Invalid character in header field value.")
        }
        return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// Parses `chunk-size [ chunk-ext ]` (RFC 9112 §7.1), validating and discarding the extensions.
    static func parseChunkSizeLine(_ line: ArraySlice<UInt8>) throws(HTTPParseError) -> Int {
        var index = line.startIndex
        var size = 0
        var significantDigits = 0
        while index < line.endIndex, let digit = hexValue(line[index]) {
            if size > 0 || digit > 0 { significantDigits += 1 }
            // 15 hex digits fit in Int with room to spare; anything longer is past every body limit.
            guard significantDigits <= 15 else {
                throw HTTPParseError(.badRequest, "Chunk size is too large.")
            }
            size = size << 4 | digit
            index += 1
        }
        guard index > line.startIndex else {
            throw HTTPParseError(.badRequest, "Invalid chunk size.")
        }
        guard isValidChunkExtensions(line[index...]) else {
            throw HTTPParseError(.badRequest, "Invalid chunk extension.")
        }
        return size
    }

    /// `*( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )`.
    static func isValidChunkExtensions(_ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        func skipWhitespace() { while let b = rest.first, isOWS(b) { rest = rest.dropFirst() } }
        func takeToken() -> Bool {
            let count = rest.prefix(while: isTokenChar).count
            rest = rest.dropFirst(count)
            return count > 0
        }
        while true {
            skipWhitespace()
            guard let first = rest.first else { return true }
            guard first == UInt8(ascii: ";") else { return false }
            rest = rest.dropFirst()
            skipWhitespace()
            guard takeToken() else { return false }
            skipWhitespace()
            guard rest.first == UInt8(ascii: "=") else { continue }
            rest = rest.dropFirst()
            skipWhitespace()
            if rest.first == UInt8(ascii: "\"") {
                guard let length = quotedStringLength(rest) else { return false }
                rest = rest.dropFirst(length)
            } else if !takeToken() {
                return false
            }
        }
    }

    /// The byte length of the quoted-string at the start of `bytes`, or nil if it is malformed (RFC 9110 §5.6.4).
    static func quotedStringLength(_ bytes: ArraySlice<UInt8>) -> Int? {
        var index = bytes.startIndex + 1
        while index < bytes.endIndex {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                return index - bytes.startIndex + 1
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.endIndex, isFieldValueChar(bytes[index + 1]) else { return nil }
                index += 2
            default:
                guard isFieldValueChar(byte) else { return nil }
                index += 1
            }
        }
        return nil
    }

    /// Parses a Content-Length value list; repeated identical values are accepted as RFC 9110 §8.6 allows.
    static func parseContentLength(_ values: [String]) throws(HTTPParseError) -> Int {
        var result: Int?
        for value in values {
            for element in value.split(separator: ",", omittingEmptySubsequences: false) {
                let digits = element.trimmingOWS()
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    throw HTTPParseError(.badRequest, "Invalid Content-Length.")
                }
                // Anything over Int's range is a real length far beyond any limit.
                let length = Int(digits) ?? Int.max
                if let previous = result, previous != length {
                    throw HTTPParseError(.badRequest, "Conflicting Content-Length values.")
                }
                result = length
            }
        }
        return result ?? 0
    }
}
