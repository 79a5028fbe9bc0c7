/// A setting's value once parsed and checked against its key's kind.
enum ConfigValue: Equatable, Sendable {
    case text(String)
    case integer(Int)
    case seconds(Double)
    case flag(Bool)
    case list([String])
}

extension ConfigValue {
    var asText: String? { if case .text(let v) = self { v } else { nil } }
    var asInteger: Int? { if case .integer(let v) = self { v } else { nil } }
    var asSeconds: Double? { if case .seconds(let v) = self { v } else { nil } }
    var asFlag: Bool? { if case .flag(let v) = self { v } else { nil } }
    var asList: [String]? { if case .list(let v) = self { v } else { nil } }

    /// The value as help shows a default: sizes with a binary unit, durations in seconds, an empty list as "none".
    func describe(as kind: ConfigKey.Kind) -> String {
        switch self {
        case .text(let t): return t
        case .integer(let n):
            guard case .size = kind else { return String(n) }
            for (unit, scale) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where n >= scale && n % scale == 0 {
                return "\(n / scale)\(unit)"
            }
            return String(n)
        case .seconds(let s): return s == s.rounded() ? "\(Int(s))s" : "\(s)s"
        case .flag(let b): return b ? "true" : "false"
        case .list(let l): return l.isEmpty ? "none" : l.joined(separator: ", ")
        }
    }
}

/// A parsed value together with the layer it came from, so later errors can name that layer.
struct Setting: Equatable, Sendable {
    let value: ConfigValue
    let source: String
}

/// Why a single value was rejected; the caller adds the source and key path.
struct InvalidValue: Error {
    let message: String
}

extension ConfigKey.Kind {
    /// Parses one value's text, the same way whichever layer it came from; relative paths resolve against `base`.
    func parse(_ text: String, relativeTo base: String) throws(InvalidValue) -> ConfigValue {
        switch self {
        case .string:
            guard !text.trimmingWhitespace.isEmpty else { throw InvalidValue(message: "must not be empty") }
            return .text(text)
        case .path:
            guard !text.trimmingWhitespace.isEmpty else { throw InvalidValue(message: "must not be empty") }
            return .text(FilePath.resolve(text, against: base))
        case .integer(let range):
            guard let value = Int(text.trimmingWhitespace) else {
                throw InvalidValue(message: "expected an integer, got \(quoted(text))")
            }
            return .integer(try Self.check(value, in: range))
        case .size(let min):
            guard let value = ByteSize.parse(text) else {
                throw InvalidValue(message: "expected a size such as 1000000, 64KiB, 512MiB or 2GiB, got \(quoted(text))")
            }
            guard value >= min else { throw InvalidValue(message: "must be at least \(min) bytes, got \(value)") }
            return .integer(value)
        case .duration:
            guard let value = DurationText.seconds(text) else {
                throw InvalidValue(message: "expected a duration such as 30, 500ms, 30s or 2m, got \(quoted(text))")
            }
            guard value > 0 else { throw InvalidValue(message: "must be longer than 0 seconds, got \(quoted(text))") }
            return .seconds(value)
        case .boolean:
            switch text.trimmingWhitespace.lowercased() {
            case "true", "yes", "1": return .flag(true)
            case "false", "no", "0": return .flag(false)
            default: throw InvalidValue(message: "expected true or false, got \(quoted(text))")
            }
        case .list:
            return try parseList([text])
        case .choice(let words):
            let word = text.trimmingWhitespace.lowercased()
            guard words.contains(word) else {
                throw InvalidValue(message: "expected one of \(words.joined(separator: ", ")), got \(quoted(text))")
            }
            return .text(word)
        }
    }

    /// Parses a list's entries, which are kept verbatim but may not be empty.
    func parseList(_ entries: [String]) throws(InvalidValue) -> ConfigValue {
        guard !entries.contains(where: { $0.trimmingWhitespace.isEmpty }) else {
            throw InvalidValue(message: "has an empty entry")
        }
        return .list(entries)
    }

    /// What a value of this kind looks like, for "expected …, got a list" messages.
    var expectation: String {
        switch self {
        case .string, .path: "a string"
        case .integer: "an integer"
        case .size: "a size"
        case .duration: "a duration"
        case .boolean: "true or false"
        case .list: "a list of strings"
        case .choice(let words): "one of \(words.joined(separator: ", "))"
        }
    }

    private static func check(_ value: Int, in range: ClosedRange<Int>) throws(InvalidValue) -> Int {
        guard !range.contains(value) else { return value }
        if range.upperBound == Int.max { throw InvalidValue(message: "must be at least \(range.lowerBound), got \(value)") }
        throw InvalidValue(message: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
    }
}

/// Text in double quotes with quotes and control characters escaped, shortened so a pasted blob cannot swamp the line.
func quoted(_ text: String) -> String {
    var out = "\""
    for character in text.count > 60 ? String(text.prefix(57)) + "..." : text {
        switch character {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n", "\r\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default: out.append(character)
        }
    }
    return out + "\""
}
