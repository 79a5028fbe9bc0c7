/// Recursive-descent parser producing the statement list of a template
/// (follows jinja2 3.1 `parser.py`; statement parsing lives here, expressions in Parser+Expressions).
struct Parser {
    var tokens: [Token]
    var index = 0
    let maxDepth: Int
    var depth = 0
    var stackGuard = StackGuard()
    /// How many `for` bodies enclose the current point (within the current macro), for break/continue.
    var loopDepth = 0
    /// How many `for` bodies lexically enclose the current point, macros included (`loop` cannot be assigned there).
    var forNesting = 0
    /// Special names (`caller`, `varargs`, `kwargs`) referenced inside each enclosing macro body.
    var macroReferences: [Set<String>] = []
    /// Open block tags, innermost last, for error messages.
    var tagStack: [String] = []
    /// Variable names interned so far.
    var symbols: [String: Int] = Dictionary(uniqueKeysWithValues: Symbol.predefined.map { ($0.name, $0.id) })

    static func parse(_ source: String, limits: TemplateLimits)
        throws -> (body: [Statement], symbols: [String: Int], frame: FrameInfo) {
        var parser = Parser(tokens: try Lexer.tokenize(source), maxDepth: limits.maxNestingDepth)
        let body = try parser.subparse(until: [])
        guard case .eof = parser.current.kind else { throw parser.unexpected(parser.current) }
        let frame = FrameInfo()
        ScopeAnalysis.analyze(root: body, frame: frame)
        return (body, parser.symbols, frame)
    }

    mutating func symbol(_ name: String) -> Symbol {
        if let id = symbols[name] { return Symbol(id: id, name: name) }
        let id = symbols.count
        symbols[name] = id
        return Symbol(id: id, name: name)
    }

    init(tokens: [Token], maxDepth: Int) {
        self.tokens = tokens
        self.maxDepth = maxDepth
    }

    // MARK: Token stream

    var current: Token { tokens[index] }

    func peek(_ offset: Int = 1) -> Token { tokens[min(index + offset, tokens.count - 1)] }

    mutating func advance() {
        if index < tokens.count - 1 { index += 1 }
    }

    func isName(_ name: String, _ token: Token? = nil) -> Bool {
        if case .name(let n) = (token ?? current).kind { return n == name }
        return false
    }

    func isOp(_ op: Op) -> Bool {
        if case .op(let o) = current.kind { return o == op }
        return false
    }

    mutating func skipIfName(_ name: String) -> Bool {
        guard isName(name) else { return false }
        advance()
        return true
    }

    mutating func skipIfOp(_ op: Op) -> Bool {
        guard isOp(op) else { return false }
        advance()
        return true
    }

    mutating func expectOp(_ op: Op) throws {
        guard skipIfOp(op) else { throw fail("expected '\(op.rawValue)', got '\(current.kind.description)'") }
    }

    mutating func expectName() throws -> String {
        guard case .name(let n) = current.kind else {
            throw fail("expected a name, got '\(current.kind.description)'")
        }
        advance()
        return n
    }

    mutating func expectBlockEnd() throws {
        guard case .blockEnd = current.kind else {
            throw fail("expected end of statement block, got '\(current.kind.description)'")
        }
        advance()
    }

    func fail(_ message: String, at token: Token? = nil) -> TemplateError {
        let t = token ?? current
        return .syntax(message: message, line: t.line, column: t.column)
    }

    func unexpected(_ token: Token) -> TemplateError {
        if case .eof = token.kind { return fail("unexpected end of template", at: token) }
        return fail("unexpected '\(token.kind.description)'", at: token)
    }

    /// Bounds parser recursion: nesting depth and native stack.
    mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > maxDepth { throw fail("template nested too deeply (more than \(maxDepth) levels)") }
        if stackGuard.isExhausted() { throw fail("template nested too deeply for the available stack") }
        return try body(&self)
    }

    /// Builds an expression node, rejecting trees taller than the nesting bound.
    func node(_ kind: ExprKind, line: Int) throws -> Expr {
        let e = Expr(kind, line: line)
        if e.depth > maxDepth { throw fail("expression nested too deeply (more than \(maxDepth) levels)") }
        return e
    }

    // MARK: Statements

    /// Parses template data, prints and statements until a block tag named in `endTags` (left current) or EOF.
    mutating func subparse(until endTags: Set<String>) throws -> [Statement] {
        var body: [Statement] = []
        while true {
            let token = current
            switch token.kind {
            case .text(let s):
                body.append(Statement(.text(s), line: token.line))
                advance()
            case .variableBegin:
                advance()
                let e = try parseTuple()
                guard case .variableEnd = current.kind else {
                    throw fail("expected end of print statement, got '\(current.kind.description)'")
                }
                advance()
                body.append(Statement(.output(e), line: token.line))
            case .blockBegin:
                advance()
                if case .name(let n) = current.kind, endTags.contains(n) { return body }
                body.append(try parseStatement())
                try expectBlockEnd()
            case .eof:
                return body
            default:
                throw unexpected(token)
            }
        }
    }

    /// Parses a block body after its opening tag; leaves the end tag name current.
    mutating func parseBody(until endTags: Set<String>, dropEnd: Bool) throws -> [Statement] {
        try expectBlockEnd()
        let body = try nested { try $0.subparse(until: endTags) }
        if case .eof = current.kind {
            let looking = endTags.sorted().map { "'\($0)'" }.joined(separator: " or ")
            let inner = tagStack.last.map { " The innermost block that needs to be closed is '\($0)'." } ?? ""
            throw fail("Unexpected end of template. Jinja was looking for the following tags: \(looking).\(inner)")
        }
        if dropEnd { advance() }
        return body
    }

    mutating func parseStatement() throws -> Statement {
        let token = current
        guard case .name(let tag) = token.kind else { throw fail("tag name expected") }
        tagStack.append(tag)
        defer { tagStack.removeLast() }
        advance()
        let kind: StatementKind
        switch tag {
        case "if": kind = try parseIf()
        case "for": kind = try parseFor()
        case "set": kind = try parseSet()
        case "macro": kind = try parseMacro(line: token.line)
        case "call": kind = try parseCallBlock(line: token.line)
        case "filter":
            let filters = try parseFilterChain(startInline: true)
            kind = .filterBlock(filters: filters, body: try parseBody(until: ["endfilter"], dropEnd: true), frame: FrameInfo())
        case "with": kind = try parseWith()
        case "print":
            var exprs: [Expr] = []
            while true {
                if case .blockEnd = current.kind { break }
                if !exprs.isEmpty { try expectOp(.comma) }
                exprs.append(try parseExpression())
            }
            kind = .print(exprs)
        case "break", "continue":
            guard loopDepth > 0 else { throw fail("'\(tag)' outside of a loop", at: token) }
            kind = tag == "break" ? .breakLoop : .continueLoop
        case "generation":
            // transformers' AssistantTracker: renders its body unchanged, like a call block without arguments.
            let saved = loopDepth
            loopDepth = 0
            defer { loopDepth = saved }
            kind = .scope(try parseBody(until: ["endgeneration"], dropEnd: true), frame: FrameInfo())
        case "extends", "include", "import", "from", "block", "autoescape":
            throw fail("the '\(tag)' tag is not supported (templates have no loader here)", at: token)
        default:
            let looking = tagStack.dropLast().last.map { " The innermost block that needs to be closed is '\($0)'." }
            throw fail("Encountered unknown tag '\(tag)'.\(looking ?? "")", at: token)
        }
        return Statement(kind, line: token.line)
    }

    mutating func parseIf() throws -> StatementKind {
        var branches: [(Expr, [Statement])] = []
        var otherwise: [Statement] = []
        while true {
            let test = try parseTuple(withCondexpr: false)
            let body = try parseBody(until: ["elif", "else", "endif"], dropEnd: false)
            branches.append((test, body))
            let tag = try expectName()
            if tag == "elif" { continue }
            if tag == "else" { otherwise = try parseBody(until: ["endif"], dropEnd: true) }
            break
        }
        return .ifBlock(branches: branches, otherwise: otherwise)
    }

    mutating func parseFor() throws -> StatementKind {
        let target = try parseAssignTarget(extraEndRules: ["in"], isForTarget: true)
        guard skipIfName("in") else { throw fail("expected 'in', got '\(current.kind.description)'") }
        let iterable = try parseTuple(withCondexpr: false, extraEndRules: ["recursive"])
        var condition: Expr?
        if skipIfName("if") { condition = try parseExpression() }
        let recursive = skipIfName("recursive")
        loopDepth += 1
        forNesting += 1
        let body = try parseBody(until: ["endfor", "else"], dropEnd: false)
        loopDepth -= 1
        forNesting -= 1
        var elseBody: [Statement] = []
        if try expectName() == "else" { elseBody = try parseBody(until: ["endfor"], dropEnd: true) }
        return .forBlock(ForNode(target: target, iterable: iterable, condition: condition, body: body,
                                 elseBody: elseBody, recursive: recursive))
    }

    mutating func parseSet() throws -> StatementKind {
        let target: Target
        if case .name(let ns) = current.kind, case .op(.dot) = peek().kind {
            advance()
            advance()
            target = .attribute(symbol(ns), try expectName())
        } else {
            target = try parseAssignTarget()
        }
        if skipIfOp(.assign) { return .set(target, try parseTuple()) }
        let filters = try parseFilterChain(startInline: false)
        return .setBlock(target, filters: filters, body: try parseBody(until: ["endset"], dropEnd: true), frame: FrameInfo())
    }

    mutating func parseWith() throws -> StatementKind {
        var assignments: [(Target, Expr)] = []
        while true {
            if case .blockEnd = current.kind { break }
            if !assignments.isEmpty { try expectOp(.comma) }
            let target = try parseAssignTarget()
            try expectOp(.assign)
            assignments.append((target, try parseExpression()))
        }
        return .with(assignments: assignments, body: try parseBody(until: ["endwith"], dropEnd: true), frame: FrameInfo())
    }

    mutating func parseAssignTarget(extraEndRules: Set<String> = [], isForTarget: Bool = false) throws -> Target {
        let token = current
        let e = try parseTuple(simplified: true, extraEndRules: extraEndRules)
        let protectLoop = isForTarget || forNesting > 0
        func convert(_ e: Expr) throws -> Target {
            switch e.kind {
            case .name(let n):
                if protectLoop && n == Symbol.loop {
                    throw fail("Can't assign to special loop variable in for-loop target", at: token)
                }
                return .name(n)
            case .tuple(let items): return .tuple(try items.map(convert))
            default: throw fail("can't assign to this expression", at: token)
            }
        }
        return try convert(e)
    }

    mutating func parseSignature() throws -> [(Symbol, Expr?)] {
        var params: [(Symbol, Expr?)] = []
        try expectOp(.lparen)
        while !isOp(.rparen) {
            if !params.isEmpty { try expectOp(.comma) }
            if isOp(.rparen) { break }
            let name = symbol(try expectName())
            if skipIfOp(.assign) {
                params.append((name, try parseExpression()))
            } else {
                if params.contains(where: { $0.1 != nil }) { throw fail("non-default argument follows default argument") }
                params.append((name, nil))
            }
        }
        try expectOp(.rparen)
        return params
    }

    /// Parses a macro-like body with its own special-name tracking and no enclosing loop.
    mutating func parseMacroBody(endTag: String) throws -> ([Statement], Set<String>) {
        let savedLoop = loopDepth
        loopDepth = 0
        macroReferences.append([])
        defer {
            loopDepth = savedLoop
            macroReferences.removeLast()
        }
        let body = try parseBody(until: [endTag], dropEnd: true)
        return (body, macroReferences.last ?? [])
    }

    mutating func parseMacro(line: Int) throws -> StatementKind {
        let name = symbol(try expectName())
        let params = try parseSignature()
        let (body, refs) = try parseMacroBody(endTag: "endmacro")
        return .macro(MacroDefinition(
            name: name, parameters: params, body: body, usesCaller: refs.contains("caller"),
            usesVarargs: refs.contains("varargs"), usesKwargs: refs.contains("kwargs"), line: line))
    }

    mutating func parseCallBlock(line: Int) throws -> StatementKind {
        let params = isOp(.lparen) ? try parseSignature() : []
        let callToken = current
        let call = try parseExpression()
        guard case .call = call.kind else { throw fail("expected call", at: callToken) }
        let (body, refs) = try parseMacroBody(endTag: "endcall")
        let caller = MacroDefinition(
            name: .caller, parameters: params, body: body, usesCaller: refs.contains("caller"),
            usesVarargs: refs.contains("varargs"), usesKwargs: refs.contains("kwargs"), line: line)
        return .callBlock(call: call, caller: caller)
    }
}
