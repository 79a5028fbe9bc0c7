import Foundation

/// A strict RFC 8259 parser for request bodies: one pass, linear in the input, with a nesting limit and
/// duplicate keys refused, so a body cannot cost more than its length and cannot mean two things.
///
/// Foundation's decoder, which this replaces, took quadratic time on nested containers (a 3 KB body nested
/// 510 deep cost 11 s of CPU) and let the first of two equal keys win where most parsers take the last one.
public struct JSONParser {
    /// Containers may nest this deep; OpenAI's own bodies need under 10 levels, JSON Schemas a few dozen.
    public static let defaultMaxDepth = 64

    /// Why a body was refused.
    public enum Failure: Error, Equatable, Sendable {
        /// Not JSON (or not UTF-8); `offset` is the byte where parsing stopped.
        case syntax(offset: Int)
        /// Containers nested deeper than the limit.
        case tooDeep(limit: Int)
        /// The same key twice in one object; `path` is the object's param path (`messages[0]`), "" at the top.
        case duplicateKey(String, path: String)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private var i = 0
    /// Param path of the container being parsed, for duplicate-key messages; built only when one is found.
    private var pathStack: [PathComponent] = []

    private enum PathComponent {
        case key(String)
        case index(Int)
    }

    /// Parses one JSON value that fills `data` (surrounding whitespace allowed).
    public static func parse(_ data: Data, maxDepth: Int = defaultMaxDepth) throws(Failure) -> JSONValue {
        let result: Result<JSONValue, Failure> = data.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self), maxDepth: maxDepth)
            return Result { () throws(Failure) -> JSONValue in try parser.parseDocument() }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    private mutating func parseDocument() throws(Failure) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard i == bytes.count else { throw .syntax(offset: i) }
        return value
    }

    // MARK: Values

    private mutating func parseValue(depth: Int) throws(Failure) -> JSONValue {
        guard i < bytes.count else { throw .syntax(offset: i) }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try parseNumber()
        }
    }

    private mutating func parseObject(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth) }
        i += 1
        var object = JSONObject()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { i += 1; return .object(object) }
        while true {
            guard peek == UInt8(ascii: "\"") else { throw .syntax(offset: i) }
            let key = try parseString()
            skipWhitespace()
            guard peek == UInt8(ascii: ":") else { throw .syntax(offset: i) }
            i += 1
            skipWhitespace()
            pathStack.append(.key(key))
            let value = try parseValue(depth: depth)
            pathStack.removeLast()
            guard object.append(key, value) else { throw .duplicateKey(key, path: currentPath) }
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): i += 1; skipWhitespace()
            case UInt8(ascii: "}"): i += 1; return .object(object)
            default: throw .syntax(offset: i)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= maxDepth else { throw .tooDeep(limit: maxDepth) }
        i += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { i += 1; return .array(array) }
        while true {
            pathStack.append(.index(array.count))
            array.append(try parseValue(depth: depth))
            pathStack.removeLast()
            skipWhitespace()
            switch peek {
            case UInt8(ascii: ","): i += 1; skipWhitespace()
            case UInt8(ascii: "]"): i += 1; return .array(array)
            default: throw .syntax(offset: i)
            }
        }
    }

    /// OpenAI's param notation for the container being parsed: `messages[2].content`.
    private var currentPath: String {
        var path = ""
        for component in pathStack {
            switch component {
            case .key(let k): path += path.isEmpty ? k : ".\(k)"
            case .index(let n): path += "[\(n)]"
            }
        }
        return path
    }

    // MARK: Scalars

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard bytes.count - i >= n else { throw .syntax(offset: i) }
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: n)
        for k in 0..<n where bytes[i + k] != expected[k] { throw .syntax(offset: i + k) }
        i += n
    }

    /// A number as RFC 8259 §6 spells it. Integers that fit Int64 become `.int`; numbers written with a fraction or
    /// an exponent, and integers beyond Int64, `.double`, as Python's `json.loads` reads them (`2.0` stays a float in
    /// a template's `tojson`; request fields that want an integer accept integral decimals themselves).
    private mutating func parseNumber() throws(Failure) -> JSONValue {
        let start = i
        var integral = true
        if peek == UInt8(ascii: "-") { i += 1 }
        guard let first = peek, isDigit(first) else { throw .syntax(offset: i) }
        i += 1
        if first != UInt8(ascii: "0") { while let c = peek, isDigit(c) { i += 1 } }
        if peek == UInt8(ascii: ".") {
            integral = false
            i += 1
            guard let c = peek, isDigit(c) else { throw .syntax(offset: i) }
            while let c = peek, isDigit(c) { i += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            integral = false
            i += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { i += 1 }
            guard let c = peek, isDigit(c) else { throw .syntax(offset: i) }
            while let c = peek, isDigit(c) { i += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        if integral, let int = Int64(text) { return .int(int) }
        guard let double = Double(text) else { throw .syntax(offset: start) }
        return .double(double)
    }

    /// A string; escapes decoded, raw control characters, lone surrogates and invalid UTF-8 refused.
    private mutating func parseString() throws(Failure) -> String {
        i += 1  // opening quote
        var out: [UInt8] = []
        var runStart = i
        while true {
            guard i < bytes.count else { throw .syntax(offset: i) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<i])
                i += 1
                break
            }
            if c < 0x20 { throw .syntax(offset: i) }
            if c != UInt8(ascii: "\\") { i += 1; continue }
            out.append(contentsOf: bytes[runStart..<i])
            i += 1
            guard i < bytes.count else { throw .syntax(offset: i) }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw .syntax(offset: i)
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw .syntax(offset: i) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw .syntax(offset: i)
                }
                guard let u = Unicode.Scalar(scalar) else { throw .syntax(offset: i) }
                out.append(contentsOf: String(Character(u)).utf8)
            default:
                throw .syntax(offset: i - 1)
            }
            runStart = i
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw .syntax(offset: i) }
        return s
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard bytes.count - i >= 4 else { throw .syntax(offset: i) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw .syntax(offset: i)
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    // MARK: Bytes

    private var peek: UInt8? { i < bytes.count ? bytes[i] : nil }

    private func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }
}
