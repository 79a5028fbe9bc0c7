/// Operators and punctuation inside tags (Jinja2's `operators` table).
enum Op: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", floordiv = "//", pow = "**", mod = "%", tilde = "~"
    case lbracket = "[", rbracket = "]", lparen = "(", rparen = ")", lbrace = "{", rbrace = "}"
    case eq = "==", ne = "!=", gt = ">", gteq = ">=", lt = "<", lteq = "<=", assign = "="
    case dot = ".", colon = ":", pipe = "|", comma = ",", semicolon = ";"
}

enum TokenKind: Equatable, Sendable {
    case text(String)
    case variableBegin, variableEnd, blockBegin, blockEnd
    case name(String)
    case string(String)
    case integer(Int)
    case float(Double)
    case op(Op)
    case eof

    var description: String {
        switch self {
        case .text: return "template data"
        case .variableBegin: return "begin of print statement"
        case .variableEnd: return "end of print statement"
        case .blockBegin: return "begin of statement block"
        case .blockEnd: return "end of statement block"
        case .name(let n): return n
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .op(let o): return o.rawValue
        case .eof: return "end of template"
        }
    }
}

struct Token: Sendable {
    let kind: TokenKind
    let line: Int
    let column: Int
}

/// Python's `str.isspace()` / regex `\s` for str patterns: ASCII whitespace, \x1c-\x1f and Unicode spaces.
@inline(__always)
func isPythonSpace(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x09...0x0D, 0x1C...0x20: return true
    case 0..<0x80: return false
    case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
    default: return false
    }
}
