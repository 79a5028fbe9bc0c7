import Foundation

/// Python `str.format(...)` with the common format-spec features (fill, align, sign, width, precision, type).
enum StrFormat {
    static func fail(_ message: String) -> TemplateError { .runtime(message: "str.format: \(message)", line: 0) }

    static func format(_ template: String, _ args: [Value], _ kwargs: [(String, Value)],
                       interpreter: Interpreter) throws -> String {
        let t = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var auto = 0
        var i = 0
        while i < t.count {
            let c = t[i]
            if c == "}" {
                guard i + 1 < t.count, t[i + 1] == "}" else { throw fail("Single '}' encountered in format string") }
                out.append("}")
                i += 2
                continue
            }
            guard c == "{" else {
                out.append(c)
                i += 1
                continue
            }
            if i + 1 < t.count, t[i + 1] == "{" {
                out.append("{")
                i += 2
                continue
            }
            var depth = 1
            var k = i + 1
            while k < t.count, depth > 0 {
                if t[k] == "{" { depth += 1 } else if t[k] == "}" { depth -= 1 }
                k += 1
            }
            guard depth == 0 else { throw fail("expected '}' before end of string") }
            let field = Array(t[(i + 1)..<(k - 1)])
            i = k
            var spec: [Unicode.Scalar] = []
            var conversion: Unicode.Scalar?
            var name = field
            if let colon = field.firstIndex(of: ":") {
                spec = Array(field[(colon + 1)...])
                name = Array(field[..<colon])
            }
            if let bang = name.firstIndex(of: "!") {
                guard bang + 1 < name.count else { throw fail("unmatched conversion") }
                conversion = name[bang + 1]
                name = Array(name[..<bang])
            }
            var value = try resolve(name, args, kwargs, &auto, interpreter)
            switch conversion {
            case "r"?, "a"?: value = .string(PythonRepr.repr(value))
            case "s"?: value = .string(value.pythonString)
            case nil: break
            default: throw fail("Unknown conversion specifier")
            }
            // Nested replacement fields in the spec, e.g. {:{width}}.
            if spec.contains("{") {
                spec = Array(try format(Python.string(spec), args, kwargs, interpreter: interpreter).unicodeScalars)
            }
            out.append(contentsOf: try apply(Spec(spec), to: value).unicodeScalars)
        }
        return String(out)
    }

    private static func resolve(_ name: [Unicode.Scalar], _ args: [Value], _ kwargs: [(String, Value)], _ auto: inout Int,
                                _ interpreter: Interpreter) throws -> Value {
        var k = 0
        while k < name.count, name[k] != ".", name[k] != "[" { k += 1 }
        let head = Python.string(name[..<k])
        var value: Value
        if head.isEmpty {
            guard auto < args.count else { throw fail("Replacement index \(auto) out of range") }
            value = args[auto]
            auto += 1
        } else if let index = Int(head) {
            guard index >= 0, index < args.count else { throw fail("Replacement index \(index) out of range") }
            value = args[index]
        } else {
            guard let v = kwargs.last(where: { $0.0 == head })?.1 else { throw fail("KeyError: '\(head)'") }
            value = v
        }
        while k < name.count {
            if name[k] == "." {
                var e = k + 1
                while e < name.count, name[e] != ".", name[e] != "[" { e += 1 }
                value = try interpreter.getAttribute(value, Python.string(name[(k + 1)..<e]))
                k = e
            } else {
                guard let close = name[k...].firstIndex(of: "]") else { throw fail("Missing ']' in format string") }
                let key = Python.string(name[(k + 1)..<close])
                value = try interpreter.getItem(value, Int(key).map { .int($0) } ?? .string(key))
                k = close + 1
            }
        }
        return value
    }

    struct Spec {
        var fill: Unicode.Scalar = " "
        var align: Unicode.Scalar?
        var sign: Unicode.Scalar = "-"
        var alternate = false
        var zero = false
        var width = 0
        var grouping: Unicode.Scalar?
        var precision: Int?
        var type: Unicode.Scalar?
        let isEmpty: Bool
        var signGiven = false

        init(_ s: [Unicode.Scalar]) {
            isEmpty = s.isEmpty
            var i = 0
            let aligns: Set<Unicode.Scalar> = ["<", ">", "^", "="]
            if s.count >= 2, aligns.contains(s[1]) {
                fill = s[0]
                align = s[1]
                i = 2
            } else if let first = s.first, aligns.contains(first) {
                align = first
                i = 1
            }
            if i < s.count, "+- ".unicodeScalars.contains(s[i]) {
                sign = s[i]
                signGiven = true
                i += 1
            }
            if i < s.count, s[i] == "#" {
                alternate = true
                i += 1
            }
            if i < s.count, s[i] == "0" {
                zero = true
                i += 1
            }
            while i < s.count, let d = Int(String(s[i])) {
                width = min(width * 10 + d, 1_000_000)
                i += 1
            }
            if i < s.count, s[i] == "," || s[i] == "_" {
                grouping = s[i]
                i += 1
            }
            if i < s.count, s[i] == "." {
                i += 1
                var p = 0
                while i < s.count, let d = Int(String(s[i])) {
                    p = min(p * 10 + d, 1_000)
                    i += 1
                }
                precision = p
            }
            if i < s.count { type = s[i] }
        }
    }

    private static func apply(_ spec: Spec, to value: Value) throws -> String {
        // format(x, "") is str(x); other specs only apply to str, int, float (and bool as int).
        if spec.isEmpty { return value.pythonString }
        switch value {
        case .string:
            if spec.signGiven || spec.alternate || spec.grouping != nil || spec.align == "=" {
                throw fail("invalid format specifier for str")
            }
        case .int, .bool:
            if spec.precision != nil, spec.type == nil || "dnxXobc".unicodeScalars.contains(spec.type ?? "d") {
                throw fail("Precision not allowed in integer format specifier")
            }
        case .float: break
        default: throw fail("unsupported format string passed to \(value.typeName).__format__")
        }
        var body: String
        var sign = ""
        var numeric = false
        switch (value, spec.type) {
        case (.string(let s), nil), (.string(let s), "s"?):
            body = spec.precision.map { Python.string(s.unicodeScalars.prefix($0)) } ?? s
        case (_, _) where value.numeric != nil && spec.type != "s":
            numeric = true
            let n = value.numeric ?? .int(0)
            let negative = n.asDouble < 0 || (n.asDouble == 0 && n.asDouble.sign == .minus)
            sign = negative ? "-" : (spec.sign == "+" ? "+" : (spec.sign == " " ? " " : ""))
            switch (n, spec.type) {
            case (.int(let i), nil), (.int(let i), "d"?), (.int(let i), "n"?):
                body = group(String(i.magnitude), spec.grouping)
            case (.int(let i), "x"?), (.int(let i), "X"?), (.int(let i), "o"?), (.int(let i), "b"?):
                let radix = spec.type == "o" ? 8 : (spec.type == "b" ? 2 : 16)
                body = String(i.magnitude, radix: radix, uppercase: spec.type == "X")
                if spec.alternate { body = "0" + String(spec.type ?? "x") + body }
            case (.float(let d), nil) where spec.precision == nil:
                body = PythonRepr.float(d.magnitude)
            default:
                let d = n.asDouble.magnitude
                let type = spec.type ?? "g"
                guard "eEfFgG%".unicodeScalars.contains(type) else {
                    throw fail("Unknown format code '\(type)' for object of type '\(value.typeName)'")
                }
                if type == "%" {
                    body = String(format: "%.\(spec.precision ?? 6)f", d * 100) + "%"
                } else {
                    body = d.isFinite ? String(format: "%\(spec.alternate ? "#" : "").\(spec.precision ?? 6)\(type)", d)
                        : (d.isNaN ? "nan" : "inf")
                }
                if spec.grouping != nil, let dot = body.firstIndex(where: { !$0.isNumber }) {
                    body = group(String(body[..<dot]), spec.grouping) + body[dot...]
                }
            }
        default:
            if spec.type != nil && spec.type != "s" {
                throw fail("Unknown format code '\(spec.type.map(String.init) ?? "")' for object of type '\(value.typeName)'")
            }
            body = value.pythonString
            if let p = spec.precision { body = Python.string(body.unicodeScalars.prefix(p)) }
        }
        let len = sign.unicodeScalars.count + body.unicodeScalars.count
        guard spec.width > len else { return sign + body }
        let padCount = spec.width - len
        let align = spec.align ?? (spec.zero && numeric ? "=" : (numeric ? ">" : "<"))
        let fill = spec.align == nil && spec.zero ? "0" : String(spec.fill)
        let pad = { (k: Int) in String(repeating: fill, count: k) }
        switch align {
        case "<": return sign + body + pad(padCount)
        case "^": return pad(padCount / 2) + sign + body + pad(padCount - padCount / 2)
        case "=": return sign + pad(padCount) + body
        default: return pad(padCount) + sign + body
        }
    }

    private static func group(_ digits: String, _ separator: Unicode.Scalar?) -> String {
        guard let separator else { return digits }
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.unicodeScalars.append(separator) }
            out.append(c)
        }
        return out
    }
}
