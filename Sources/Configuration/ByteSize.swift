/// Byte counts written as a plain number or with a unit: 1000000, 64KiB, 512MiB, 2GiB, 1.5GB.
enum ByteSize {
    /// Multipliers by lower-cased unit; K, M, G and T alone are binary, as in the `--kv-cache-memory` flag before it.
    static let units: [String: Double] = [
        "b": 1,
        "k": 1024, "kib": 1024, "kb": 1e3,
        "m": 1_048_576, "mib": 1_048_576, "mb": 1e6,
        "g": 1_073_741_824, "gib": 1_073_741_824, "gb": 1e9,
        "t": 1_099_511_627_776, "tib": 1_099_511_627_776, "tb": 1e12,
    ]

    /// The number of bytes `text` stands for, or nil if it is not a size or does not fit in an `Int`.
    static func parse(_ text: String) -> Int? {
        guard let (number, unit) = NumberWithUnit.split(text) else { return nil }
        if unit.isEmpty || unit == "b" {
            // Whole bytes only: "1.5" bytes is more likely a forgotten unit than a wish for rounding.
            return Int(number)
        }
        guard let scale = units[unit], let value = Double(number) else { return nil }
        let bytes = (value * scale).rounded()
        guard bytes < 9.0e18 else { return nil }
        return Int(bytes)
    }
}

/// Durations written as seconds (30, 0.5) or with a unit: 500ms, 30s, 2m, 1h.
enum DurationText {
    /// Seconds per lower-cased unit.
    static let units: [String: Double] = ["": 1, "ms": 0.001, "s": 1, "m": 60, "h": 3600]

    /// The seconds `text` stands for, or nil if it is not a duration.
    static func seconds(_ text: String) -> Double? {
        guard let (number, unit) = NumberWithUnit.split(text),
              let scale = units[unit], let value = Double(number) else { return nil }
        let seconds = value * scale
        return seconds.isFinite ? seconds : nil
    }
}

/// Splits text like "1.5 GiB" into a plain decimal number and a lower-cased unit.
enum NumberWithUnit {
    /// The number's text and the unit (possibly empty), or nil if the text is not digits with an optional fraction
    /// followed by letters.
    static func split(_ text: String) -> (number: String, unit: String)? {
        let trimmed = text.trimmingWhitespace
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let unit = trimmed.dropFirst(number.count).trimmingWhitespace.lowercased()
        // One dot at most, with digits on both sides, so "1.", ".5" and "1.2.3" are not numbers here.
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        guard unit.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return (String(number), unit)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    var trimmingWhitespace: String {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return String(self[start..<Swift.max(start, end)])
    }
}
