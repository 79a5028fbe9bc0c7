import Foundation

/// Jinja2's builtin filters (3.1 semantics) plus transformers' `tojson`; sequence filters are in Filters+Sequences.
extension Interpreter {
    func applyFilter(_ f: FilterCall, _ value: Value, _ scope: Scope) throws -> Value {
        let (pos, kw) = try evalArgs(f.args, scope)
        return try filter(f.name, value, Arguments(pos, kw, function: f.name))
    }

    func filter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value {
        try work(value.bulkSize)
        if let v = try sequenceFilter(name, value, args) { return v }
        switch name {
        case "trim":
            try args.check(max: 1, names: ["chars"])
            return .string(Python.strip(value.pythonString, try args.string(0, "chars")))
        case "tojson":
            return .string(try toJSON(value, args))
        case "string":
            return .string(try printable(value))
        case "safe":
            // Markup(value) is a str; autoescape is off, so only the conversion remains.
            return .string(try printable(value))
        case "e", "escape", "forceescape":
            return .string(htmlEscape(try printable(value)))
        case "lower": return .string(Python.lower(value.pythonString))
        case "upper": return .string(Python.upper(value.pythonString))
        case "capitalize": return .string(Python.capitalize(value.pythonString))
        case "title": return .string(jinjaTitle(value.pythonString))
        case "replace":
            try args.check(max: 3, names: ["old", "new", "count"])
            let old = try args.required(0, "old").pythonString
            let new = try args.required(1, "new").pythonString
            let out = Python.replace(value.pythonString, old, new, count: try args.int(2, "count") ?? -1)
            try checkSize(out)
            return .string(out)
        case "indent":
            // jinja2 appends "\n" to the value itself, so only strings work.
            guard case .string = value else { throw args.fail("can only indent a string, not \(value.typeName)") }
            return .string(try indent(value, args))
        case "center":
            try args.check(max: 1, names: ["width"])
            let width = try args.int(0, "width") ?? 80
            try checkCount(width)
            return .string(Python.center(value.pythonString, width))
        case "wordcount":
            var count = 0, inWord = false
            for c in value.pythonString.unicodeScalars {
                let w = Python.isWordChar(c)
                if w && !inWord { count += 1 }
                inWord = w
            }
            return .int(count)
        case "truncate":
            return .string(try truncate(value.pythonString, args))
        case "format":
            let format = value.pythonString
            if !args.positional.isEmpty && !args.keywords.isEmpty {
                throw args.fail("can't handle positional and keyword arguments at the same time")
            }
            let mapping = args.keywords.isEmpty ? nil : OrderedDict(pairs: args.keywords)
            let out = try PercentFormat.format(format, args.positional, mapping: mapping)
            try checkSize(out)
            return .string(out)
        case "default", "d":
            try args.check(max: 2, names: ["default_value", "boolean"])
            let fallback = args.value(0, "default_value") ?? .string("")
            if value.isUndefined || (args.bool(1, "boolean", default: false) && !value.isTruthy) { return fallback }
            return value
        case "int":
            try args.check(max: 2, names: ["default", "base"])
            return try toInt(value, default: args.value(0, "default") ?? .int(0), base: try args.int(1, "base") ?? 10)
        case "float":
            try args.check(max: 1, names: ["default"])
            if value.isUndefined { throw runtime("float() of an undefined value") }
            return toFloat(value) ?? args.value(0, "default") ?? .float(0)
        case "abs":
            switch value {
            case .int(let i):
                guard i != Int.min else { throw args.fail("integer overflow") }
                return .int(abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .float(let d): return .float(abs(d))
            default: throw args.fail("bad operand type for abs(): '\(value.typeName)'")
            }
        case "round":
            return try round(value, args)
        case "attr":
            let attribute = try args.required(0, "name").pythonString
            switch value {
            case .dict, .string, .list, .tuple:
                // Only Python attributes (methods), never keys.
                return Methods.isMethod(value, attribute) ? try getAttribute(value, attribute) : .undefined
            default:
                return try getAttribute(value, attribute)
            }
        default:
            throw runtime("No filter named '\(name)'.")
        }
    }

    private func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Jinja2's `title` filter: split at `([-\s({\[<]+)` (keeping separators), then each piece
    /// becomes `item[0].upper() + item[1:].lower()`.
    private func jinjaTitle(_ s: String) -> String {
        let separators: Set<Unicode.Scalar> = ["-", "(", "{", "[", "<"]
        func isSeparator(_ c: Unicode.Scalar) -> Bool { separators.contains(c) || isPythonSpace(c) }
        let cs = Python.scalars(s)
        var out = ""
        var i = 0
        while i < cs.count {
            var j = i + 1
            let separatorRun = isSeparator(cs[i])
            while j < cs.count, isSeparator(cs[j]) == separatorRun { j += 1 }
            out += cs[i].properties.uppercaseMapping + Python.lower(Python.string(cs[(i + 1)..<j]))
            i = j
        }
        return out
    }

    /// transformers' tojson: `json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`.
    private func toJSON(_ value: Value, _ args: Arguments) throws -> String {
        try args.check(max: 4, names: ["ensure_ascii", "indent", "separators", "sort_keys"])
        var indent: String?
        switch args.value(1, "indent") {
        case nil, .none?: indent = nil
        case .string(let s)?: indent = s
        case let v?:
            guard let n = v.indexValue else { throw args.fail("indent must be int or str") }
            indent = String(repeating: " ", count: max(0, min(n, 1024)))
        }
        var itemSeparator = indent == nil ? ", " : ","
        var keySeparator = ": "
        if let seps = args.value(2, "separators"), !(seps == .none) {
            guard let pair = seps.sequenceItems, pair.count == 2, case .string(let a) = pair[0], case .string(let b) = pair[1]
            else { throw args.fail("separators must be a (item, key) pair of strings") }
            itemSeparator = a
            keySeparator = b
        }
        var writer = JSONWriter(
            ensureASCII: args.bool(0, "ensure_ascii", default: false), indent: indent, itemSeparator: itemSeparator,
            keySeparator: keySeparator, sortKeys: args.bool(3, "sort_keys", default: false))
        writer.maxBytes = limits.maxOutputBytes
        try writer.write(value, depth: 0)
        return writer.out
    }

    private func indent(_ value: Value, _ args: Arguments) throws -> String {
        try args.check(max: 3, names: ["width", "first", "blank"])
        let indention: String
        switch args.value(0, "width") {
        case .string(let s)?: indention = s
        case let v?:
            guard let n = v.indexValue else { throw args.fail("width must be int or str") }
            try checkCount(n)
            indention = String(repeating: " ", count: max(0, n))
        case nil: indention = "    "
        }
        let first = args.bool(1, "first", default: false)
        let blank = args.bool(2, "blank", default: false)
        // "s += newline" then splitlines(), as jinja2 does, so a trailing newline yields no extra line.
        let lines = Python.splitlines(value.pythonString + "\n")
        var rv: String
        if blank {
            rv = lines.joined(separator: "\n" + indention)
        } else {
            rv = lines.first ?? ""
            if lines.count > 1 {
                rv += "\n" + lines.dropFirst().map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n")
            }
        }
        if first { rv = indention + rv }
        try checkSize(rv)
        return rv
    }

    private func truncate(_ s: String, _ args: Arguments) throws -> String {
        try args.check(max: 4, names: ["length", "killwords", "end", "leeway"])
        let length = try args.int(0, "length") ?? 255
        let killwords = args.bool(1, "killwords", default: false)
        let end = try args.string(2, "end") ?? "..."
        let leeway = try args.int(3, "leeway") ?? 5
        let endCount = end.unicodeScalars.count
        guard length >= endCount, leeway >= 0 else { throw args.fail("invalid length or leeway") }
        let scalars = Python.scalars(s)
        if scalars.count <= length + leeway { return s }
        let head = Python.string(scalars.prefix(length - endCount))
        if killwords { return head + end }
        return (Python.rsplit(head, " ", maxsplit: 1).first ?? head) + end
    }

    private func round(_ value: Value, _ args: Arguments) throws -> Value {
        try args.check(max: 2, names: ["precision", "method"])
        let precision = try args.int(0, "precision") ?? 0
        let method = try args.string(1, "method") ?? "common"
        guard ["common", "ceil", "floor"].contains(method) else {
            throw args.fail("method must be common, ceil or floor")
        }
        guard let n = value.numeric else { throw args.fail("type \(value.typeName) doesn't define __round__ method") }
        if method == "common" {
            switch n {
            case .int(let i): return .int(i)  // round(int, ndigits>=0) keeps the int
            case .float(let d):
                guard d.isFinite, precision <= 300, precision >= -300 else { return .float(d) }
                if precision >= 0 {
                    // printf rounds the exact binary value half-to-even, as CPython's round() does.
                    return .float(Double(String(format: "%.\(precision)f", d)) ?? d)
                }
                let scale = Foundation.pow(10, Double(-precision))
                return .float((d / scale).rounded(.toNearestOrEven) * scale)
            }
        }
        let scale = Foundation.pow(10, Double(precision))
        let scaled = n.asDouble * scale
        return .float((method == "ceil" ? scaled.rounded(.up) : scaled.rounded(.down)) / scale)
    }

    private func toInt(_ value: Value, default dflt: Value, base: Int) throws -> Value {
        switch value {
        case .undefined:
            throw runtime("int() of an undefined value")
        case .int, .bool:
            return .int(value.indexValue ?? 0)
        case .float(let d):
            guard d.isFinite else { throw runtime("cannot convert float \(PythonRepr.float(d)) to integer") }
            guard abs(d) < 9.2e18 else { throw runtime("integer overflow") }
            return .int(Int(d))
        case .string(let s):
            if let i = parseInt(s, base: base) { return .int(i) }
            if let d = parseFloat(s), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
            return dflt
        default:
            return dflt
        }
    }

    private func toFloat(_ value: Value) -> Value? {
        switch value {
        case .int, .bool, .float: return value.numeric.map { .float($0.asDouble) }
        case .string(let s): return parseFloat(s).map { .float($0) }
        default: return nil
        }
    }

    /// Python `int(s, base)`: surrounding whitespace, sign, optional base prefix, single underscores.
    private func parseInt(_ s: String, base: Int) -> Int? {
        var t = Python.strip(s, nil)
        var negative = false
        if t.hasPrefix("-") || t.hasPrefix("+") {
            negative = t.hasPrefix("-")
            t.removeFirst()
        }
        var radix = base
        let lower = t.lowercased()
        for (prefix, r) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) && (base == r || base == 0) {
            t = String(t.dropFirst(2))
            if t.hasPrefix("_") { t.removeFirst() }
            radix = r
        }
        if radix == 0 { radix = 10 }
        guard (2...36).contains(radix), !t.isEmpty, !t.hasPrefix("_"), !t.hasSuffix("_"), !t.contains("__"),
              let magnitude = Int(t.replacingOccurrences(of: "_", with: ""), radix: radix), magnitude >= 0 else {
            return nil
        }
        return negative ? -magnitude : magnitude
    }

    /// Python `float(s)`: whitespace, underscores between digits, inf/nan spellings.
    private func parseFloat(_ s: String) -> Double? {
        let t = Python.strip(s, nil).lowercased()
        switch t {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        guard !t.isEmpty, !t.contains("__"), !t.hasPrefix("_"), !t.hasSuffix("_"),
              t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.e_".contains($0)) }) else { return nil }
        return Double(t.replacingOccurrences(of: "_", with: ""))
    }
}
