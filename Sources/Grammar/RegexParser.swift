/// A regular expression over code points: a `pattern`, a `format`, or a number range written as one.
indirect enum RegexNode: Equatable, Sendable {
    case chars(CodePointSet)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repeated(RegexNode, min: Int, max: Int?)

    static func literal(_ text: String) -> RegexNode {
        .sequence(text.unicodeScalars.map { .chars(CodePointSet(scalar: $0.value)) })
    }
}

/// Parses the ECMA-262 subset JSON Schema patterns use: literals and escapes, classes (`[a-z]`, `[^...]`, `\d\w\s`
/// and their negations, `.`), groups (capturing, `(?:`, named), alternation, the quantifiers `* + ? {m} {m,} {m,n}`
/// (lazy ones too: the language is the same) and the anchors `^` and `$` at the ends of top-level alternatives.
/// A pattern without `^` may start anywhere in the string and one without `$` may end anywhere (JSON Schema
/// patterns search, they do not match whole strings). Lookaround, backreferences and `\b` throw.
struct RegexParser {
    private let scalars: [UInt32]
    private var at = 0
    private let path: String

    static func parse(_ pattern: String, path: String) throws(GrammarError) -> RegexNode {
        var p = RegexParser(scalars: pattern.unicodeScalars.map(\.value), path: path)
        if p.scalars.count > GrammarLimits.maxPatternLength {
            throw .tooComplex("a pattern longer than \(GrammarLimits.maxPatternLength) characters")
        }
        return try p.parseTopLevel()
    }

    private init(scalars: [UInt32], path: String) {
        self.scalars = scalars
        self.path = path
    }

    private func fail(_ reason: String) -> GrammarError {
        .invalidSchema("pattern: \(reason)", path: path)
    }

    private var peek: UInt32? { at < scalars.count ? scalars[at] : nil }

    private mutating func take(_ c: Character) -> Bool {
        guard let p = peek, let v = c.unicodeScalars.first?.value, p == v else { return false }
        at += 1
        return true
    }

    private mutating func parseTopLevel() throws(GrammarError) -> RegexNode {
        let anything = RegexNode.repeated(.chars(.any), min: 0, max: nil)
        var alternatives: [RegexNode] = []
        repeat {
            let anchoredStart = take("^")
            var items = try parseSequence(depth: 0)
            var anchoredEnd = false
            if take("$") {
                anchoredEnd = true
                // Repeated anchors ("^$$") are harmless; anything after the anchor is not supported.
                while take("$") {}
            }
            if let p = peek, p != 0x7C { throw fail(p == 0x24 || p == 0x5E ? "an anchor inside the pattern is not supported" : "unexpected '\(Character(Unicode.Scalar(p) ?? "?"))'") }
            if !anchoredStart { items.insert(anything, at: 0) }
            if !anchoredEnd { items.append(anything) }
            alternatives.append(.sequence(items))
        } while take("|")
        return alternatives.count == 1 ? alternatives[0] : .alternation(alternatives)
    }

    /// Items up to `|`, `)`, `$` or the end.
    private mutating func parseSequence(depth: Int) throws(GrammarError) -> [RegexNode] {
        var items: [RegexNode] = []
        while let c = peek, c != 0x7C, c != 0x29, c != 0x24 {
            if c == 0x5E { throw fail("an anchor inside the pattern is not supported") }
            let atom = try parseAtom(depth: depth)
            items.append(try parseQuantifier(atom))
        }
        return items
    }

    private mutating func parseAlternation(depth: Int) throws(GrammarError) -> RegexNode {
        var options: [RegexNode] = []
        repeat {
            options.append(.sequence(try parseSequence(depth: depth)))
            if peek == 0x24 || peek == 0x5E { throw fail("an anchor inside a group is not supported") }
        } while take("|")
        return options.count == 1 ? options[0] : .alternation(options)
    }

    private mutating func parseAtom(depth: Int) throws(GrammarError) -> RegexNode {
        guard let c = peek else { throw fail("unexpected end") }
        at += 1
        switch c {
        case 0x28:  // (
            if depth >= 64 { throw GrammarError.tooComplex("pattern groups nested more than 64 deep") }
            if take("?") {
                if take(":") {
                } else if take("<") {
                    if take("=") || take("!") { throw fail("lookbehind is not supported") }
                    while let n = peek, n != 0x3E { at += 1 }
                    guard take(">") else { throw fail("unterminated group name") }
                } else if take("=") || take("!") {
                    throw fail("lookahead is not supported")
                } else {
                    throw fail("unsupported group syntax")
                }
            }
            let inner = try parseAlternation(depth: depth + 1)
            guard take(")") else { throw fail("missing ')'") }
            return inner
        case 0x5B:  // [
            return .chars(try parseClass())
        case 0x2E:  // .
            return .chars(.dot)
        case 0x5C:  // backslash
            return .chars(try parseEscape(inClass: false))
        case 0x2A, 0x2B, 0x3F:  // * + ?
            throw fail("nothing to repeat")
        case 0x29:
            throw fail("unmatched ')'")
        default:
            return .chars(CodePointSet(scalar: c))
        }
    }

    private mutating func parseQuantifier(_ atom: RegexNode) throws(GrammarError) -> RegexNode {
        var node = atom
        while let c = peek {
            var bounds: (Int, Int?)
            switch c {
            case 0x2A: at += 1; bounds = (0, nil)
            case 0x2B: at += 1; bounds = (1, nil)
            case 0x3F: at += 1; bounds = (0, 1)
            case 0x7B:
                guard let b = try parseBraces() else { return node }
                bounds = b
            default:
                return node
            }
            _ = take("?")  // lazy: same language
            node = .repeated(node, min: bounds.0, max: bounds.1)
        }
        return node
    }

    /// `{m}`, `{m,}`, `{m,n}`; nil (and nothing consumed) when the brace is a literal.
    private mutating func parseBraces() throws(GrammarError) -> (Int, Int?)? {
        let start = at
        at += 1
        guard let low = parseInt() else {
            at = start
            return nil
        }
        var high: Int? = low
        if take(",") { high = parseInt() }
        guard take("}") else {
            at = start
            return nil
        }
        if let high, high < low { throw fail("{\(low),\(high)} has max below min") }
        if low > GrammarLimits.maxRepetition || (high ?? 0) > GrammarLimits.maxRepetition {
            throw .tooComplex("a pattern repetition of more than \(GrammarLimits.maxRepetition)")
        }
        return (low, high)
    }

    private mutating func parseInt() -> Int? {
        var value = 0
        var digits = 0
        while let c = peek, c >= 0x30, c <= 0x39 {
            value = min(value * 10 + Int(c - 0x30), 1_000_000_000)
            digits += 1
            at += 1
        }
        return digits > 0 ? value : nil
    }

    private mutating func parseClass() throws(GrammarError) -> CodePointSet {
        let negated = take("^")
        var set = CodePointSet([])
        while true {
            guard let c = peek else { throw fail("missing ']'") }
            if c == 0x5D {
                at += 1
                break
            }
            let low = try parseClassAtom()
            if peek == 0x2D, at + 1 < scalars.count, scalars[at + 1] != 0x5D {
                at += 1
                let high = try parseClassAtom()
                guard let lo = low.single, let hi = high.single else { throw fail("a class range needs single characters") }
                if hi < lo { throw fail("class range out of order") }
                set = set.union(CodePointSet([lo...hi]))
            } else {
                set = set.union(low)
            }
        }
        return negated ? set.complement : set
    }

    private mutating func parseClassAtom() throws(GrammarError) -> CodePointSet {
        guard let c = peek else { throw fail("missing ']'") }
        at += 1
        if c == 0x5C { return try parseEscape(inClass: true) }
        return CodePointSet(scalar: c)
    }

    private mutating func parseEscape(inClass: Bool) throws(GrammarError) -> CodePointSet {
        guard let c = peek else { throw fail("trailing backslash") }
        at += 1
        switch c {
        case 0x64: return .digit  // d
        case 0x44: return CodePointSet.digit.complement
        case 0x77: return .word  // w
        case 0x57: return CodePointSet.word.complement
        case 0x73: return .space  // s
        case 0x53: return CodePointSet.space.complement
        case 0x6E: return CodePointSet(scalar: 0x0A)
        case 0x72: return CodePointSet(scalar: 0x0D)
        case 0x74: return CodePointSet(scalar: 0x09)
        case 0x66: return CodePointSet(scalar: 0x0C)
        case 0x76: return CodePointSet(scalar: 0x0B)
        case 0x30: return CodePointSet(scalar: 0)
        case 0x62:  // b
            if inClass { return CodePointSet(scalar: 0x08) }
            throw fail("\\b word boundaries are not supported")
        case 0x42: throw fail("\\B is not supported")
        case 0x31...0x39: throw fail("backreferences are not supported")
        case 0x78:  // xHH
            return CodePointSet(scalar: try parseHex(count: 2))
        case 0x75:  // uHHHH or u{H...}
            if take("{") {
                var value: UInt32 = 0
                var digits = 0
                while let d = peek, let v = RegexParser.hexValue(d) {
                    value = value &* 16 &+ v
                    digits += 1
                    at += 1
                }
                guard digits > 0, digits <= 6, take("}"), value <= 0x10FFFF else { throw fail("bad \\u{...} escape") }
                return CodePointSet(scalar: value)
            }
            return CodePointSet(scalar: try parseHex(count: 4))
        case 0x70, 0x50: throw fail("\\p Unicode property classes are not supported")
        case 0x6B: throw fail("named backreferences are not supported")
        default:
            return CodePointSet(scalar: c)  // identity escape: \. \/ \- \\ ...
        }
    }

    private mutating func parseHex(count: Int) throws(GrammarError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let d = peek, let v = RegexParser.hexValue(d) else { throw fail("bad hex escape") }
            value = value * 16 + v
            at += 1
        }
        return value
    }

    private static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}

private extension CodePointSet {
    /// The one code point of a one-element set.
    var single: UInt32? {
        ranges.count == 1 && ranges[0].lowerBound == ranges[0].upperBound ? ranges[0].lowerBound : nil
    }
}
