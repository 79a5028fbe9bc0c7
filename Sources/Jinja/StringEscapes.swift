/// Decodes string-literal escapes the way jinja2 does
/// (`value.encode("ascii", "backslashreplace").decode("unicode-escape")`).
enum StringEscapes {
    enum Failure: Error {
        case invalid(String)
    }

    static func decode(_ body: ArraySlice<Unicode.Scalar>) throws -> String {
        guard body.contains("\\") else {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: body)
            return String(view)
        }
        var out = String.UnicodeScalarView()
        var i = body.startIndex
        let end = body.endIndex
        while i < end {
            let c = body[i]
            guard c == "\\", i + 1 < end else {
                out.append(c)
                i += 1
                continue
            }
            let e = body[i + 1]
            i += 2
            switch e {
            case "\n": break  // line continuation
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{07}")
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{0B}")
            case "0"..."7":
                var value = e.value - 48
                var count = 1
                while count < 3, i < end, ("0"..."7").contains(body[i]) {
                    value = value * 8 + body[i].value - 48
                    i += 1
                    count += 1
                }
                out.append(try scalar(value))
            case "x", "u", "U":
                let width = e == "x" ? 2 : (e == "u" ? 4 : 8)
                var value: UInt32 = 0
                for _ in 0..<width {
                    guard i < end, let digit = hexValue(body[i]) else {
                        let name = e == "x" ? "\\xXX" : (e == "u" ? "\\uXXXX" : "\\UXXXXXXXX")
                        throw Failure.invalid("truncated \(name) escape")
                    }
                    value = value &* 16 &+ digit
                    i += 1
                }
                out.append(try scalar(value))
            case "N":
                guard i < end, body[i] == "{", let close = body[i...].firstIndex(of: "}"), close > i + 1 else {
                    throw Failure.invalid("malformed \\N character escape")
                }
                var name = String.UnicodeScalarView()
                name.append(contentsOf: body[(i + 1)..<close])
                guard let s = UnicodeNames.lookup(String(name)) else {
                    throw Failure.invalid("unknown Unicode character name")
                }
                out.append(s)
                i = close + 1
            default:
                // Python keeps unknown escapes verbatim (with a DeprecationWarning).
                out.append("\\")
                out.append(e)
            }
        }
        return String(out)
    }

    private static func scalar(_ value: UInt32) throws -> Unicode.Scalar {
        guard value <= 0x10FFFF else { throw Failure.invalid("illegal Unicode character") }
        // Python would build a lone surrogate, which cannot be encoded as UTF-8 later.
        guard let s = Unicode.Scalar(value) else { throw Failure.invalid("surrogate code point in escape") }
        return s
    }

    private static func hexValue(_ s: Unicode.Scalar) -> UInt32? {
        switch s.value {
        case 48...57: return s.value - 48
        case 65...70: return s.value - 55
        case 97...102: return s.value - 87
        default: return nil
        }
    }
}

/// Unicode character names for `\N{...}` escapes, indexed once on first use.
enum UnicodeNames {
    private static let table: [String: Unicode.Scalar] = {
        var t: [String: Unicode.Scalar] = [:]
        for v in UInt32(0x20)...0x10FFFF {
            guard let s = Unicode.Scalar(v) else { continue }
            if let name = s.properties.name { t[name] = s }
            if let alias = s.properties.nameAlias { t[alias] = s }
        }
        return t
    }()

    static func lookup(_ name: String) -> Unicode.Scalar? {
        table[name.uppercased()]
    }
}
