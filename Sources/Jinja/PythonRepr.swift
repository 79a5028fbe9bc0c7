/// Python `repr()`/`str()` text of values, as `{{ x }}` and `|string` print them.
enum PythonRepr {
    /// Containers deeper than this print as `...` (Python would raise RecursionError).
    private static let maxDepth = 200

    static func repr(_ v: Value) -> String {
        var out = ""
        var active: Set<ObjectIdentifier> = []
        write(v, into: &out, depth: 0, active: &active)
        return out
    }

    /// Python `repr(float)`: the shortest round-trip digits, positional when the decimal exponent is in
    /// -4 ..< 16, otherwise `1.5e+16` style (Swift's own description switches to exponents at 2^53).
    static func float(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        var text = d.description
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let pointPosition = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) }
            ?? mantissa.count
        var digits = Array(mantissa.filter { $0 != "." })
        // Value is 0.d1d2... × 10^decpt.
        var decpt = pointPosition + exponent
        while digits.first == "0" {
            digits.removeFirst()
            decpt -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let sign = negative ? "-" : ""
        guard !digits.isEmpty else { return sign + "0.0" }
        if decpt <= -4 || decpt > 16 {
            let e = decpt - 1
            let rest = digits.count > 1 ? "." + String(digits.dropFirst()) : ""
            let magnitude = String(abs(e))
            return sign + String(digits[0]) + rest + "e" + (e < 0 ? "-" : "+") + (magnitude.count < 2 ? "0" : "") + magnitude
        }
        if decpt <= 0 { return sign + "0." + String(repeating: "0", count: -decpt) + String(digits) }
        if decpt >= digits.count {
            return sign + String(digits) + String(repeating: "0", count: decpt - digits.count) + ".0"
        }
        return sign + String(digits[..<decpt]) + "." + String(digits[decpt...])
    }

    /// `active` holds the namespaces being printed: Python's dict repr prints `{...}` when it re-enters one.
    private static func write(_ v: Value, into out: inout String, depth: Int, active: inout Set<ObjectIdentifier>) {
        guard depth < maxDepth else {
            out += "..."
            return
        }
        switch v {
        case .undefined: out += "Undefined"
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .float(let d): out += float(d)
        case .string(let s): string(s, into: &out)
        case .list(let items):
            out += "["
            for (i, x) in items.enumerated() {
                if i > 0 { out += ", " }
                write(x, into: &out, depth: depth + 1, active: &active)
            }
            out += "]"
        case .tuple(let items):
            out += "("
            for (i, x) in items.enumerated() {
                if i > 0 { out += ", " }
                write(x, into: &out, depth: depth + 1, active: &active)
            }
            out += items.count == 1 ? ",)" : ")"
        case .dict(let d):
            dict(d, into: &out, depth: depth, active: &active)
        case .namespace(let ns):
            out += "<Namespace "
            if active.insert(ObjectIdentifier(ns)).inserted {
                dict(ns.attributes, into: &out, depth: depth, active: &active)
                active.remove(ObjectIdentifier(ns))
            } else {
                out += "{...}"
            }
            out += ">"
        case .callable(let c):
            switch c.kind {
            case .macro, .caller: out += "<Macro '\(c.name)'>"
            case .builtin: out += "<function \(c.name)>"
            case .method(let receiver, let name): out += "<built-in method \(name) of \(receiver.typeName) object>"
            }
        case .loop(let ctx):
            out += "<LoopContext \(ctx.index0 + 1)/\(ctx.length)>"
        case .iterator(let it):
            out += it.typeName == "generator" ? "<generator object \(it.function)>" : "<\(it.typeName) object>"
        }
    }

    private static func dict(_ d: OrderedDict, into out: inout String, depth: Int, active: inout Set<ObjectIdentifier>) {
        out += "{"
        for i in 0..<d.count {
            if i > 0 { out += ", " }
            write(d.keys[i], into: &out, depth: depth + 1, active: &active)
            out += ": "
            write(d.values[i], into: &out, depth: depth + 1, active: &active)
        }
        out += "}"
    }

    /// Python's string repr: single quotes unless the text has `'` and no `"`.
    static func string(_ s: String, into out: inout String) {
        let quote: Unicode.Scalar = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var view = String.UnicodeScalarView()
        view.append(quote)
        for c in s.unicodeScalars {
            switch c {
            case quote, "\\":
                view.append("\\")
                view.append(c)
            case "\n": view.append(contentsOf: "\\n".unicodeScalars)
            case "\r": view.append(contentsOf: "\\r".unicodeScalars)
            case "\t": view.append(contentsOf: "\\t".unicodeScalars)
            default:
                if isPrintable(c) {
                    view.append(c)
                } else {
                    let hex = String(c.value, radix: 16)
                    let (prefix, width) = c.value < 0x100 ? ("\\x", 2) : (c.value < 0x10000 ? ("\\u", 4) : ("\\U", 8))
                    view.append(contentsOf: (prefix + String(repeating: "0", count: width - hex.count) + hex).unicodeScalars)
                }
            }
        }
        view.append(quote)
        out += String(view)
    }

    /// Python `str.isprintable()` for one character.
    static func isPrintable(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c.value >= 0x20 && c.value < 0x7F }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
             .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
