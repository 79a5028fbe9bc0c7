/// An exact decimal: a bound from a schema (`minimum: 1.5e1`), normalized so digit comparisons are string ones.
struct DecimalValue: Equatable, Sendable {
    var negative: Bool
    /// Integer digits without leading zeros ("0" for none).
    var integer: String
    /// Fraction digits without trailing zeros.
    var fraction: String

    static let maxDigits = 64

    var isZero: Bool { integer == "0" && fraction.isEmpty }

    /// Parses JSON number text; nil when it is not one (or has more than `maxDigits` digits once normalized).
    init?(literal: String) {
        var bytes = Array(literal.utf8)[...]
        negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        var mantissa: [UInt8] = []
        var point = 0
        var seenPoint = false
        while let b = bytes.first, b == UInt8(ascii: ".") || (b >= 0x30 && b <= 0x39) {
            bytes = bytes.dropFirst()
            if b == UInt8(ascii: ".") {
                if seenPoint { return nil }
                seenPoint = true
            } else {
                mantissa.append(b)
                if !seenPoint { point += 1 }
            }
        }
        guard !mantissa.isEmpty else { return nil }
        if let e = bytes.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var sign = 1
            if let s = bytes.first, s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
                sign = s == UInt8(ascii: "-") ? -1 : 1
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), bytes.count <= 4,
                  let exponent = Int(String(decoding: bytes, as: UTF8.self)) else { return nil }
            point += sign * exponent
            bytes = bytes[bytes.endIndex...]
        }
        guard bytes.isEmpty else { return nil }
        var intDigits: [UInt8]
        var fracDigits: [UInt8]
        if point <= 0 {
            intDigits = []
            fracDigits = [UInt8](repeating: 0x30, count: -point) + mantissa
        } else if point >= mantissa.count {
            intDigits = mantissa + [UInt8](repeating: 0x30, count: point - mantissa.count)
            fracDigits = []
        } else {
            intDigits = Array(mantissa[..<point])
            fracDigits = Array(mantissa[point...])
        }
        while intDigits.first == 0x30 { intDigits.removeFirst() }
        while fracDigits.last == 0x30 { fracDigits.removeLast() }
        guard intDigits.count + fracDigits.count <= DecimalValue.maxDigits else { return nil }
        integer = intDigits.isEmpty ? "0" : String(decoding: intDigits, as: UTF8.self)
        fraction = String(decoding: fracDigits, as: UTF8.self)
        if isZero { negative = false }
    }

    init(negative: Bool, integer: String, fraction: String = "") {
        self.negative = negative && !(integer == "0" && fraction.isEmpty)
        self.integer = integer
        self.fraction = fraction
    }

    /// -1, 0 or 1.
    static func compare(_ a: DecimalValue, _ b: DecimalValue) -> Int {
        if a.negative != b.negative { return a.negative ? -1 : 1 }
        let magnitude = compareMagnitude(a, b)
        return a.negative ? -magnitude : magnitude
    }

    private static func compareMagnitude(_ a: DecimalValue, _ b: DecimalValue) -> Int {
        if a.integer.count != b.integer.count { return a.integer.count < b.integer.count ? -1 : 1 }
        if a.integer != b.integer { return a.integer < b.integer ? -1 : 1 }
        if a.fraction != b.fraction { return a.fraction < b.fraction ? -1 : 1 }
        return 0
    }

    /// The smallest integer >= self (or > self when `strictly`).
    func ceiling(strictly: Bool) -> DecimalValue {
        if fraction.isEmpty {
            guard strictly else { return self }
            return negative ? DecimalValue(negative: true, integer: DecimalValue.decrement(integer))
                : DecimalValue(negative: false, integer: DecimalValue.increment(integer))
        }
        // A fraction: the integer part towards positive infinity.
        return negative ? DecimalValue(negative: true, integer: integer)
            : DecimalValue(negative: false, integer: DecimalValue.increment(integer))
    }

    /// The largest integer <= self (or < self when `strictly`).
    func floor(strictly: Bool) -> DecimalValue {
        var mirrored = self
        mirrored.negative.toggle()
        var c = mirrored.ceiling(strictly: strictly)
        c.negative.toggle()
        return DecimalValue(negative: c.negative, integer: c.integer)
    }

    private static func increment(_ digits: String) -> String {
        var d = Array(digits.utf8)
        var i = d.count - 1
        while i >= 0 {
            if d[i] == 0x39 {
                d[i] = 0x30
                i -= 1
            } else {
                d[i] += 1
                return String(decoding: d, as: UTF8.self)
            }
        }
        return "1" + String(decoding: d, as: UTF8.self)
    }

    /// digits - 1 for digits >= 1.
    private static func decrement(_ digits: String) -> String {
        var d = Array(digits.utf8)
        var i = d.count - 1
        while i >= 0 {
            if d[i] == 0x30 {
                d[i] = 0x39
                i -= 1
            } else {
                d[i] -= 1
                break
            }
        }
        while d.count > 1, d.first == 0x30 { d.removeFirst() }
        return String(decoding: d, as: UTF8.self)
    }
}

/// Regexes (as pattern text, parsed by RegexParser) for numbers within bounds, by digit-string comparison: a
/// canonical integer part ("0" or no leading zero) and, for `number`, an optional fraction; no exponent when
/// bounded (a subset of the valid texts, so the output stays valid).
enum NumberBounds {
    static let anyMagnitudeInteger = "(0|[1-9][0-9]*)"
    static let anyFraction = "(\\.[0-9]+)?"

    /// Numbers >= bound (> when `exclusive`); integers only when `integer` (the bound is then an integer).
    static func lower(_ bound: DecimalValue, exclusive: Bool, integer: Bool) -> String {
        let fraction = integer ? "" : anyFraction
        let magnitude = DecimalValue(negative: false, integer: bound.integer, fraction: bound.fraction)
        if bound.negative {
            // Every non-negative number, or a negative one no larger in magnitude.
            return "^(\(anyMagnitudeInteger)\(fraction)|-(\(atMost(magnitude, exclusive: exclusive, integer: integer))))$"
        }
        return "^(\(atLeast(magnitude, exclusive: exclusive, integer: integer)))$"
    }

    /// Numbers <= bound (< when `exclusive`).
    static func upper(_ bound: DecimalValue, exclusive: Bool, integer: Bool) -> String {
        let fraction = integer ? "" : anyFraction
        let magnitude = DecimalValue(negative: false, integer: bound.integer, fraction: bound.fraction)
        if bound.negative {
            return "^-(\(atLeast(magnitude, exclusive: exclusive, integer: integer)))$"
        }
        return "^(-\(anyMagnitudeInteger)\(fraction)|\(atMost(magnitude, exclusive: exclusive, integer: integer)))$"
    }

    /// Magnitudes >= m (> when exclusive).
    private static func atLeast(_ m: DecimalValue, exclusive: Bool, integer: Bool) -> String {
        let fraction = integer ? "" : anyFraction
        var options = ["(\(intGreater(m.integer)))\(fraction)"]
        if integer {
            if !exclusive { options.append(m.integer) }
        } else if exclusive {
            options.append("\(m.integer)\\.(\(fracGreater(m.fraction)))")
        } else if m.fraction.isEmpty {
            options.append("\(m.integer)\(fraction)")
        } else {
            options.append("\(m.integer)\\.(\(fracGreater(m.fraction))|\(m.fraction)0*)")
        }
        return options.joined(separator: "|")
    }

    /// Magnitudes <= m (< when exclusive).
    private static func atMost(_ m: DecimalValue, exclusive: Bool, integer: Bool) -> String {
        let fraction = integer ? "" : anyFraction
        var options: [String] = []
        let less = intLess(m.integer)
        if !less.isEmpty { options.append("(\(less))\(fraction)") }
        if integer {
            if !exclusive { options.append(m.integer) }
        } else {
            var same: [String] = []
            if !m.fraction.isEmpty && exclusive { same.append("") }  // the integer part alone is smaller
            if !exclusive { same.append(m.fraction.isEmpty ? "(\\.0+)?" : "") }
            let lessFraction = fracLess(m.fraction)
            if !lessFraction.isEmpty { same.append("\\.(\(lessFraction))") }
            if !exclusive && !m.fraction.isEmpty { same.append("\\.\(m.fraction)0*") }
            if !same.isEmpty { options.append("\(m.integer)(\(same.joined(separator: "|")))") }
        }
        // A magnitude below zero does not exist: "(?:)" with no options matches nothing via an empty class.
        return options.isEmpty ? "[^\\s\\S]" : options.joined(separator: "|")
    }

    /// Canonical integer digit strings greater than `i`.
    static func intGreater(_ i: String) -> String {
        let d = Array(i.utf8).map { Int($0) - 0x30 }
        var options = ["[1-9][0-9]{\(d.count),}"]
        for k in 0..<d.count where d[k] < 9 {
            let prefix = String(i.prefix(k))
            let rest = d.count - k - 1
            options.append("\(prefix)[\(d[k] + 1)-9]" + (rest > 0 ? "[0-9]{\(rest)}" : ""))
        }
        return options.joined(separator: "|")
    }

    /// Canonical integer digit strings less than `i` ("" when none).
    static func intLess(_ i: String) -> String {
        let d = Array(i.utf8).map { Int($0) - 0x30 }
        var options: [String] = []
        if d.count >= 2 {
            options.append("0")
            options.append("[1-9]" + (d.count > 2 ? "[0-9]{0,\(d.count - 2)}" : ""))
        }
        for k in 0..<d.count {
            let low = (k == 0 && d.count > 1) ? 1 : 0
            guard d[k] - 1 >= low else { continue }
            let rest = d.count - k - 1
            options.append("\(String(i.prefix(k)))[\(low)-\(d[k] - 1)]" + (rest > 0 ? "[0-9]{\(rest)}" : ""))
        }
        return options.joined(separator: "|")
    }

    /// Fraction digit strings f (non-empty) with 0.f > 0.F.
    static func fracGreater(_ f: String) -> String {
        let d = Array(f.utf8).map { Int($0) - 0x30 }
        var options = ["\(f)[0-9]*[1-9][0-9]*"]
        for k in 0..<d.count where d[k] < 9 {
            options.append("\(String(f.prefix(k)))[\(d[k] + 1)-9][0-9]*")
        }
        return options.joined(separator: "|")
    }

    /// Fraction digit strings f (non-empty) with 0.f < 0.F ("" when none).
    static func fracLess(_ f: String) -> String {
        let d = Array(f.utf8).map { Int($0) - 0x30 }
        var options: [String] = []
        for k in 0..<d.count {
            if d[k] >= 1 { options.append("\(String(f.prefix(k)))[0-\(d[k] - 1)][0-9]*") }
            if k >= 1 { options.append("\(String(f.prefix(k)))0*") }
        }
        return options.joined(separator: "|")
    }
}
