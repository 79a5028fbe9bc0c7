/// Splits template source into tokens, applying Jinja2's whitespace rules with
/// `trim_blocks=True`, `lstrip_blocks=True`, `keep_trailing_newline=False`
/// (mirrors jinja2 3.1 `lexer.py` `tokeniter`).
struct Lexer {
    private enum TagKind { case variable, block, comment }

    private let src: [Unicode.Scalar]
    private let lineStarts: [Int]
    private var pos = 0
    private var tokens: [Token] = []
    /// Jinja2's `line_starting`: the previous match ended with a newline.
    private var lineStarting = true

    static func tokenize(_ source: String) throws -> [Token] {
        var lexer = Lexer(source)
        try lexer.run()
        return lexer.tokens
    }

    private init(_ source: String) {
        // \r\n and \r read as \n; one trailing newline is dropped (keep_trailing_newline=False).
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.utf8.count)
        var previousWasCR = false
        for s in source.unicodeScalars {
            if s == "\r" {
                scalars.append("\n")
                previousWasCR = true
                continue
            }
            if s == "\n" && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = false
            scalars.append(s)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        src = scalars
        var starts = [0]
        for (i, s) in scalars.enumerated() where s == "\n" { starts.append(i + 1) }
        lineStarts = starts
    }

    private var n: Int { src.count }

    func location(_ position: Int) -> (line: Int, column: Int) {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= position { lo = mid } else { hi = mid - 1 }
        }
        return (lo + 1, position - lineStarts[lo] + 1)
    }

    func syntaxError(_ message: String, at position: Int) -> TemplateError {
        let (line, column) = location(position)
        return .syntax(message: message, line: line, column: column)
    }

    private mutating func emit(_ kind: TokenKind, at position: Int) {
        let (line, column) = location(position)
        tokens.append(Token(kind: kind, line: line, column: column))
    }

    private mutating func emitText(_ start: Int, _ end: Int) {
        guard end > start else { return }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: src[start..<end])
        emit(.text(String(view)), at: start)
    }

    @inline(__always)
    private func matches(_ literal: String, at i: Int) -> Bool {
        var k = i
        for s in literal.unicodeScalars {
            guard k < n, src[k] == s else { return false }
            k += 1
        }
        return true
    }

    private func skipSpaces(_ i: Int) -> Int {
        var k = i
        while k < n, isPythonSpace(src[k]) { k += 1 }
        return k
    }

    /// Where the text `start..<end` before a tag ends after `-` stripping or lstrip_blocks.
    private func strippedEnd(_ start: Int, _ end: Int, sign: Unicode.Scalar?, lstrip: Bool) -> Int {
        if sign == "-" {
            var e = end
            while e > start, isPythonSpace(src[e - 1]) { e -= 1 }
            return e
        }
        guard sign != "+", lstrip else { return end }
        var lineStart = end
        while lineStart > start, src[lineStart - 1] != "\n" { lineStart -= 1 }
        guard lineStart > start || lineStarting, lineStart < end else { return end }
        for k in lineStart..<end where !isPythonSpace(src[k]) { return end }
        return lineStart
    }

    private mutating func run() throws {
        while pos < n {
            guard let (start, tag) = nextTagStart(from: pos) else {
                emitText(pos, n)
                pos = n
                break
            }
            var j = start + 2
            var sign: Unicode.Scalar?
            if j < n, src[j] == "-" || src[j] == "+" {
                sign = src[j]
                j += 1
            }
            if tag == .block, let bodyStart = rawBeginEnd(at: j) {
                emitText(pos, strippedEnd(pos, start, sign: sign, lstrip: true))
                lineStarting = src[bodyStart - 1] == "\n"
                try lexRaw(from: bodyStart, tagStart: start)
                continue
            }
            emitText(pos, strippedEnd(pos, start, sign: sign, lstrip: tag != .variable))
            lineStarting = false
            switch tag {
            case .comment:
                try lexComment(from: j, tagStart: start)
            case .block:
                emit(.blockBegin, at: start)
                try lexTag(from: j, isBlock: true, tagStart: start)
            case .variable:
                emit(.variableBegin, at: start)
                try lexTag(from: j, isBlock: false, tagStart: start)
            }
        }
        emit(.eof, at: n)
    }

    private func nextTagStart(from: Int) -> (Int, TagKind)? {
        var i = from
        while i + 1 < n {
            if src[i] == "{" {
                switch src[i + 1] {
                case "{": return (i, .variable)
                case "%": return (i, .block)
                case "#": return (i, .comment)
                default: break
                }
            }
            i += 1
        }
        return nil
    }

    /// If `{%` at `j` (after its sign) opens `raw`, the position after the opening tag.
    private func rawBeginEnd(at j: Int) -> Int? {
        var i = skipSpaces(j)
        guard matches("raw", at: i) else { return nil }
        i = skipSpaces(i + 3)
        if matches("-%}", at: i) { return skipSpaces(i + 3) }
        if matches("%}", at: i) { return i + 2 }  // no trim_blocks after {% raw %}, as in jinja2
        return nil
    }

    private mutating func lexRaw(from bodyStart: Int, tagStart: Int) throws {
        var k = bodyStart
        while k + 1 < n {
            if src[k] == "{" && src[k + 1] == "%" {
                var i = k + 2
                var sign: Unicode.Scalar?
                if i < n, src[i] == "-" || src[i] == "+" {
                    sign = src[i]
                    i += 1
                }
                i = skipSpaces(i)
                if matches("endraw", at: i) {
                    i = skipSpaces(i + 6)
                    if let end = tagEnd(at: i, close: ("%", "}"), trimNewline: true) {
                        emitText(bodyStart, strippedEnd(bodyStart, k, sign: sign, lstrip: true))
                        pos = end
                        lineStarting = src[end - 1] == "\n"
                        return
                    }
                }
            }
            k += 1
        }
        throw syntaxError("Missing end of raw directive", at: tagStart)
    }

    /// Matches `+%}`, `-%}` plus whitespace, or `%}` plus an optional newline; returns the end position.
    private func tagEnd(at i: Int, close: (Unicode.Scalar, Unicode.Scalar), trimNewline: Bool) -> Int? {
        guard i < n else { return nil }
        func closes(_ k: Int) -> Bool { k + 1 < n && src[k] == close.0 && src[k + 1] == close.1 }
        if trimNewline, src[i] == "+", closes(i + 1) { return i + 3 }
        if src[i] == "-", closes(i + 1) { return skipSpaces(i + 3) }
        if closes(i) {
            if trimNewline, i + 2 < n, src[i + 2] == "\n" { return i + 3 }
            return i + 2
        }
        return nil
    }

    private mutating func lexComment(from j: Int, tagStart: Int) throws {
        var k = j
        while k < n {
            if let end = tagEnd(at: k, close: ("#", "}"), trimNewline: true) {
                pos = end
                lineStarting = src[end - 1] == "\n"
                return
            }
            k += 1
        }
        throw syntaxError("Missing end of comment tag", at: tagStart)
    }

    private mutating func lexTag(from j: Int, isBlock: Bool, tagStart: Int) throws {
        var i = j
        var brackets: [Unicode.Scalar] = []
        while true {
            guard i < n else {
                throw syntaxError(
                    "unexpected end of template: \(isBlock ? "'{%'" : "'{{'") tag is never closed", at: tagStart)
            }
            if brackets.isEmpty,
               let end = tagEnd(at: i, close: isBlock ? ("%", "}") : ("}", "}"), trimNewline: isBlock) {
                emit(isBlock ? .blockEnd : .variableEnd, at: i)
                pos = end
                lineStarting = src[end - 1] == "\n"
                return
            }
            let c = src[i]
            if isPythonSpace(c) {
                i = skipSpaces(i)
                continue
            }
            if c.value >= 48 && c.value <= 57 {
                i = try lexNumber(at: i)
            } else if Lexer.isNameStart(c) {
                var k = i + 1
                while k < n, Lexer.isNameContinue(src[k]) { k += 1 }
                var view = String.UnicodeScalarView()
                view.append(contentsOf: src[i..<k])
                emit(.name(String(view)), at: i)
                i = k
            } else if c == "'" || c == "\"" {
                i = try lexString(at: i)
            } else {
                i = try lexOperator(at: i, brackets: &brackets)
            }
        }
    }

    private func digitRun(_ i: Int, isDigit: (Unicode.Scalar) -> Bool) -> Int? {
        // `(_?d)+`-style runs: digits with single underscores between them.
        guard i < n, isDigit(src[i]) else { return nil }
        var k = i + 1
        while k < n {
            if isDigit(src[k]) {
                k += 1
            } else if src[k] == "_", k + 1 < n, isDigit(src[k + 1]) {
                k += 2
            } else {
                break
            }
        }
        return k
    }

    private mutating func lexNumber(at i: Int) throws -> Int {
        let isDec: (Unicode.Scalar) -> Bool = { $0.value >= 48 && $0.value <= 57 }
        // Float first, unless right after a dot (`x.0.1` is two subscripts), as jinja2's float_re.
        if i == 0 || src[i - 1] != ".", let intEnd = digitRun(i, isDigit: isDec) {
            var k = intEnd
            var isFloat = false
            if k < n, src[k] == ".", let fracEnd = digitRun(k + 1, isDigit: isDec) {
                k = fracEnd
                isFloat = true
            }
            if k < n, src[k] == "e" || src[k] == "E" {
                var e = k + 1
                if e < n, src[e] == "+" || src[e] == "-" { e += 1 }
                if let expEnd = digitRun(e, isDigit: isDec) {
                    k = expEnd
                    isFloat = true
                }
            }
            if isFloat {
                let text = String(String.UnicodeScalarView(src[i..<k].filter { $0 != "_" }))
                guard let d = Double(text) else { throw syntaxError("invalid float literal", at: i) }
                emit(.float(d), at: i)
                return k
            }
        }
        var radix = 10
        var digitsStart = i
        var end: Int?
        if src[i] == "0", i + 1 < n {
            let p = src[i + 1]
            let radixDigits: [(Set<Unicode.Scalar>, Int, (Unicode.Scalar) -> Bool)] = [
                (["b", "B"], 2, { $0 == "0" || $0 == "1" }),
                (["o", "O"], 8, { $0.value >= 48 && $0.value <= 55 }),
                (["x", "X"], 16, { $0.properties.isASCIIHexDigit }),
            ]
            for (prefixes, r, isDigit) in radixDigits where prefixes.contains(p) {
                var k = i + 2
                if k < n, src[k] == "_" { k += 1 }
                if let e = digitRun(k, isDigit: isDigit) {
                    radix = r
                    digitsStart = i + 2
                    end = e
                }
            }
        }
        if end == nil {
            if src[i] == "0" {
                var k = i + 1
                while k < n {
                    if src[k] == "0" {
                        k += 1
                    } else if src[k] == "_", k + 1 < n, src[k + 1] == "0" {
                        k += 2
                    } else {
                        break
                    }
                }
                end = k
            } else {
                end = digitRun(i, isDigit: isDec)
            }
        }
        let stop = end ?? i + 1
        let text = String(String.UnicodeScalarView(src[digitsStart..<stop].filter { $0 != "_" }))
        guard let value = Int(text, radix: radix) else { throw syntaxError("integer literal too large", at: i) }
        emit(.integer(value), at: i)
        return stop
    }

    private mutating func lexString(at i: Int) throws -> Int {
        let quote = src[i]
        var k = i + 1
        while k < n, src[k] != quote {
            k += src[k] == "\\" ? 2 : 1
        }
        guard k < n else { throw syntaxError("unterminated string literal", at: i) }
        do {
            emit(.string(try StringEscapes.decode(src[(i + 1)..<k])), at: i)
        } catch let StringEscapes.Failure.invalid(message) {
            throw syntaxError(message, at: i)
        }
        return k + 1
    }

    @inline(__always)
    static func isNameStart(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
        return c.properties.isXIDStart
    }

    @inline(__always)
    static func isNameContinue(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII { return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" }
        return c.properties.isXIDContinue
    }

    private static func twoCharOperator(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Op? {
        switch (a, b) {
        case ("/", "/"): return .floordiv
        case ("*", "*"): return .pow
        case ("=", "="): return .eq
        case ("!", "="): return .ne
        case (">", "="): return .gteq
        case ("<", "="): return .lteq
        default: return nil
        }
    }

    private static func oneCharOperator(_ c: Unicode.Scalar) -> Op? {
        switch c {
        case "+": return .add
        case "-": return .sub
        case "*": return .mul
        case "/": return .div
        case "%": return .mod
        case "~": return .tilde
        case "[": return .lbracket
        case "]": return .rbracket
        case "(": return .lparen
        case ")": return .rparen
        case "{": return .lbrace
        case "}": return .rbrace
        case ">": return .gt
        case "<": return .lt
        case "=": return .assign
        case ".": return .dot
        case ":": return .colon
        case "|": return .pipe
        case ",": return .comma
        case ";": return .semicolon
        default: return nil
        }
    }

    private mutating func lexOperator(at i: Int, brackets: inout [Unicode.Scalar]) throws -> Int {
        let c = src[i]
        if i + 1 < n, let op = Lexer.twoCharOperator(c, src[i + 1]) {
            emit(.op(op), at: i)
            return i + 2
        }
        guard let op = Lexer.oneCharOperator(c) else {
            throw syntaxError("unexpected char '\(c)'", at: i)
        }
        switch op {
        case .lparen: brackets.append(")")
        case .lbracket: brackets.append("]")
        case .lbrace: brackets.append("}")
        case .rparen, .rbracket, .rbrace:
            guard let expected = brackets.popLast() else { throw syntaxError("unexpected '\(c)'", at: i) }
            guard expected == c else { throw syntaxError("unexpected '\(c)', expected '\(expected)'", at: i) }
        default: break
        }
        emit(.op(op), at: i)
        return i + 1
    }
}
