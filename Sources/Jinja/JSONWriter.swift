/// Python `json.dumps` (as transformers' `tojson` filter calls it): key order kept, Python float repr,
/// configurable `ensure_ascii`, `indent`, `separators` and `sort_keys`.
struct JSONWriter {
    let ensureASCII: Bool
    let indent: String?
    let itemSeparator: String
    let keySeparator: String
    let sortKeys: Bool
    var maxBytes = Int.max
    var out = ""

    static let maxDepth = 512

    private func fail(_ message: String) -> TemplateError { .runtime(message: message, line: 0) }

    mutating func write(_ v: Value, depth: Int) throws {
        guard depth < Self.maxDepth else { throw fail("tojson: value nested too deeply") }
        switch v {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let d): out += Self.float(d)
        case .string(let s): writeString(s)
        case .list(let items), .tuple(let items):
            guard !items.isEmpty else {
                out += "[]"
                return
            }
            out += "["
            for (n, item) in items.enumerated() {
                separator(first: n == 0, depth: depth + 1)
                try write(item, depth: depth + 1)
            }
            closing(depth: depth)
            out += "]"
        case .dict(let d):
            guard !d.isEmpty else {
                out += "{}"
                return
            }
            var order = Array(0..<d.count)
            if sortKeys {
                for k in d.keys where k.stringValue == nil { throw fail("tojson: sort_keys needs string keys") }
                order.sort { Python.compareCodePoints(d.keys[$0].stringValue ?? "", d.keys[$1].stringValue ?? "") < 0 }
            }
            out += "{"
            for (n, i) in order.enumerated() {
                separator(first: n == 0, depth: depth + 1)
                writeString(try keyString(d.keys[i]))
                out += keySeparator
                try write(d.values[i], depth: depth + 1)
            }
            closing(depth: depth)
            out += "}"
        case .undefined, .namespace, .callable, .loop, .iterator:
            let type: String
            if case .callable(let c) = v, case .macro = c.kind { type = "Macro" } else { type = v.typeName }
            throw fail("Object of type \(type) is not JSON serializable")
        }
        if out.utf8.count > maxBytes { throw TemplateError.limit("tojson output larger than \(maxBytes) bytes") }
    }

    private mutating func separator(first: Bool, depth: Int) {
        if !first { out += itemSeparator }
        if let indent {
            out += "\n"
            for _ in 0..<depth { out += indent }
        }
    }

    private mutating func closing(depth: Int) {
        if let indent {
            out += "\n"
            for _ in 0..<depth { out += indent }
        }
    }

    private func keyString(_ k: Value) throws -> String {
        switch k {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .float(let d): return Self.float(d)
        case .bool(let b): return b ? "true" : "false"
        case .none: return "null"
        default: throw fail("keys must be str, int, float, bool or None, not \(k.typeName)")
        }
    }

    static func float(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return PythonRepr.float(d)
    }

    private mutating func writeString(_ s: String) {
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || (ensureASCII && $0 > 0x7E) }) {
            out += "\""
            out += s
            out += "\""
            return
        }
        var view = String.UnicodeScalarView()
        view.append("\"")
        for c in s.unicodeScalars {
            switch c {
            case "\"": view.append(contentsOf: "\\\"".unicodeScalars)
            case "\\": view.append(contentsOf: "\\\\".unicodeScalars)
            case "\n": view.append(contentsOf: "\\n".unicodeScalars)
            case "\r": view.append(contentsOf: "\\r".unicodeScalars)
            case "\t": view.append(contentsOf: "\\t".unicodeScalars)
            case "\u{08}": view.append(contentsOf: "\\b".unicodeScalars)
            case "\u{0C}": view.append(contentsOf: "\\f".unicodeScalars)
            default:
                if c.value < 0x20 || (ensureASCII && c.value > 0x7E) {
                    if c.value > 0xFFFF {
                        let v = c.value - 0x10000
                        appendEscape(0xD800 + (v >> 10), &view)
                        appendEscape(0xDC00 + (v & 0x3FF), &view)
                    } else {
                        appendEscape(c.value, &view)
                    }
                } else {
                    view.append(c)
                }
            }
        }
        view.append("\"")
        out += String(view)
    }

    private func appendEscape(_ code: UInt32, _ view: inout String.UnicodeScalarView) {
        let hex = String(code, radix: 16)
        view.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
    }
}
