import Foundation

/// Python's printf-style `str % args` formatting.
enum PercentFormat {
    /// Formats `format` with positional `args`; `mapping` serves `%(name)s` lookups.
    static func format(_ format: String, _ args: [Value], mapping: OrderedDict?) throws -> String {
        let f = Array(format.unicodeScalars)
        var out = ""
        var literal = String.UnicodeScalarView()
        var argIndex = 0
        var usedMapping = false
        var i = 0
        func nextArg() throws -> Value {
            guard argIndex < args.count else { throw TemplateError.runtime(message: "not enough arguments for format string", line: 0) }
            defer { argIndex += 1 }
            return args[argIndex]
        }
        while i < f.count {
            let c = f[i]
            guard c == "%" else {
                literal.append(c)
                i += 1
                continue
            }
            out += String(literal)
            literal = String.UnicodeScalarView()
            i += 1
            guard i < f.count else { throw fail("incomplete format") }
            var keyed: Value?
            if f[i] == "(" {
                var depth = 1
                var k = i + 1
                while k < f.count, depth > 0 {
                    if f[k] == "(" { depth += 1 } else if f[k] == ")" { depth -= 1 }
                    k += 1
                }
                guard depth == 0 else { throw fail("incomplete format key") }
                guard let mapping else { throw fail("format requires a mapping") }
                let key = Python.string(f[(i + 1)..<(k - 1)])
                guard let v = mapping[key] else { throw fail("KeyError: '\(key)'") }
                keyed = v
                usedMapping = true
                i = k
            }
            var flags = Set<Unicode.Scalar>()
            while i < f.count, "#0- +".unicodeScalars.contains(f[i]) {
                flags.insert(f[i])
                i += 1
            }
            var width: Int?
            if i < f.count, f[i] == "*" {
                guard let w = try nextArg().indexValue else { throw fail("* wants int") }
                width = max(-1_000_000, min(w, 1_000_000))
                i += 1
            } else {
                width = readInt(f, &i)
            }
            var precision: Int?
            if i < f.count, f[i] == "." {
                i += 1
                if i < f.count, f[i] == "*" {
                    guard let p = try nextArg().indexValue else { throw fail("* wants int") }
                    precision = min(max(p, 0), 1_000_000)
                    i += 1
                } else {
                    precision = readInt(f, &i) ?? 0
                }
            }
            while i < f.count, "hlL".unicodeScalars.contains(f[i]) { i += 1 }
            guard i < f.count else { throw fail("incomplete format") }
            let type = f[i]
            i += 1
            if type == "%" {
                out += "%"
                continue
            }
            let arg = try keyed ?? nextArg()
            if let w = width, w < 0 {
                flags.insert("-")
                width = -w
            }
            out += try convert(arg, type: type, flags: flags, width: width, precision: precision)
        }
        out += String(literal)
        if argIndex < args.count && mapping == nil && !usedMapping {
            throw fail("not all arguments converted during string formatting")
        }
        return out
    }

    private static func fail(_ message: String) -> TemplateError {
        .runtime(message: message, line: 0)
    }

    private static func readInt(_ f: [Unicode.Scalar], _ i: inout Int) -> Int? {
        var v: Int?
        while i < f.count, let d = Int(String(f[i])), f[i].isASCII {
            v = min((v ?? 0) * 10 + d, 1_000_000)
            i += 1
        }
        return v
    }

    private static func pad(_ body: String, sign: String, flags: Set<Unicode.Scalar>, width: Int?, numeric: Bool) -> String {
        let len = sign.unicodeScalars.count + body.unicodeScalars.count
        guard let width, width > len else { return sign + body }
        let fill = width - len
        if flags.contains("-") { return sign + body + String(repeating: " ", count: fill) }
        if numeric && flags.contains("0") { return sign + String(repeating: "0", count: fill) + body }
        return String(repeating: " ", count: fill) + sign + body
    }

    private static func convert(_ arg: Value, type: Unicode.Scalar, flags: Set<Unicode.Scalar>, width: Int?,
                                precision: Int?) throws -> String {
        switch type {
        case "s", "r", "a":
            var s = type == "s" ? arg.pythonString : PythonRepr.repr(arg)
            if let p = precision { s = Python.string(s.unicodeScalars.prefix(p)) }
            return pad(s, sign: "", flags: flags, width: width, numeric: false)
        case "d", "i", "u", "x", "X", "o":
            let n: Int
            switch arg {
            case .bool, .int: n = arg.indexValue ?? 0
            case .float(let d) where "diu".unicodeScalars.contains(type):
                guard d.isFinite, abs(d) < 9.2e18 else { throw fail("cannot convert float \(d) to integer") }
                n = Int(d)
            default:
                let kind = "diu".unicodeScalars.contains(type) ? "a real number" : "an integer"
                throw fail("%\(type) format: \(kind) is required, not \(arg.typeName)")
            }
            let radix = type == "o" ? 8 : ((type == "x" || type == "X") ? 16 : 10)
            var digits = String(n.magnitude, radix: radix, uppercase: type == "X")
            if let p = precision, digits.count < p { digits = String(repeating: "0", count: p - digits.count) + digits }
            if flags.contains("#") && radix != 10 { digits = (radix == 8 ? "0o" : (type == "X" ? "0X" : "0x")) + digits }
            let sign = n < 0 ? "-" : (flags.contains("+") ? "+" : (flags.contains(" ") ? " " : ""))
            return pad(digits, sign: sign, flags: flags, width: width, numeric: true)
        case "e", "E", "f", "F", "g", "G":
            guard let num = arg.numeric else { throw fail("must be real number, not \(arg.typeName)") }
            let d = num.asDouble
            var spec = "%"
            if flags.contains("#") { spec += "#" }
            spec += ".\(precision ?? 6)\(type)"
            var body = d.isFinite ? String(format: spec, d.magnitude) : (d.isNaN ? "nan" : "inf")
            if !d.isFinite, type == "E" || type == "F" || type == "G" { body = body.uppercased() }
            let negative = d < 0 || (d == 0 && d.sign == .minus)
            let sign = negative ? "-" : (flags.contains("+") ? "+" : (flags.contains(" ") ? " " : ""))
            return pad(body, sign: sign, flags: flags, width: width, numeric: d.isFinite)
        case "c":
            let s: String
            switch arg {
            case .string(let str) where str.unicodeScalars.count == 1: s = str
            case .int, .bool:
                let i = arg.indexValue ?? 0
                guard i >= 0, i <= 0x10FFFF, let u = Unicode.Scalar(UInt32(i)) else { throw fail("%c arg not in range") }
                s = String(u)
            default: throw fail("%c requires int or char")
            }
            return pad(s, sign: "", flags: flags, width: width, numeric: false)
        default:
            throw fail("unsupported format character '\(type)'")
        }
    }
}
