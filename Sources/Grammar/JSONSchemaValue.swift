/// A JSON value as the schema compiler reads it. Object members keep their order (properties are emitted in schema
/// order) and numbers keep their literal text (so `const` and `enum` numbers are emitted exactly as written).
/// The server converts its own JSON value into this; Grammar stays a leaf.
public indirect enum JSONSchemaValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    /// The number's literal JSON text, such as `-1.5e3`.
    case number(String)
    case string(String)
    case array([JSONSchemaValue])
    /// Members in document order.
    case object([(key: String, value: JSONSchemaValue)])

    public static func == (a: JSONSchemaValue, b: JSONSchemaValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// Compact JSON text with members in their order: the cache key of a schema and the bytes a `const` emits.
    public var canonicalText: String {
        var bytes: [UInt8] = []
        appendCanonical(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { canonicalText }

    /// The member named `key` (the first one, should a broken document repeat it).
    public subscript(key: String) -> JSONSchemaValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    func appendCanonical(to out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .number(let text): out += Array(text.utf8)
        case .string(let s): JSONText.appendQuoted(s, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                item.appendCanonical(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendQuoted(member.key, to: &out)
                out.append(UInt8(ascii: ":"))
                member.value.appendCanonical(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

/// The one way Grammar writes JSON text: `"` and `\` and control characters escaped (short forms where JSON has
/// them, `\u00xx` otherwise), everything else as raw UTF-8. Constrained strings (enum, const, pattern, keys) are
/// emitted in exactly this form, so byte equality is value equality.
enum JSONText {
    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars { appendEscaped(scalar.value, to: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// The escaped bytes of one code point inside a JSON string.
    static func appendEscaped(_ cp: UInt32, to out: inout [UInt8]) {
        if let escape = escape(cp) {
            out += escape
            return
        }
        appendUTF8(cp, to: &out)
    }

    /// The escape sequence JSON requires for `cp`, or nil when it is written raw.
    static func escape(_ cp: UInt32) -> [UInt8]? {
        switch cp {
        case 0x22: return Array(#"\""#.utf8)
        case 0x5C: return Array(#"\\"#.utf8)
        case 0x08: return Array(#"\b"#.utf8)
        case 0x0C: return Array(#"\f"#.utf8)
        case 0x0A: return Array(#"\n"#.utf8)
        case 0x0D: return Array(#"\r"#.utf8)
        case 0x09: return Array(#"\t"#.utf8)
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            return Array(#"\u00"#.utf8) + [hex[Int(cp >> 4)], hex[Int(cp & 15)]]
        default: return nil
        }
    }

    static func appendUTF8(_ cp: UInt32, to out: inout [UInt8]) {
        switch cp {
        case 0..<0x80:
            out.append(UInt8(cp))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (cp >> 6)))
            out.append(UInt8(0x80 | (cp & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (cp >> 12)))
            out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (cp & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (cp >> 18)))
            out.append(UInt8(0x80 | ((cp >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((cp >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (cp & 0x3F)))
        }
    }
}
