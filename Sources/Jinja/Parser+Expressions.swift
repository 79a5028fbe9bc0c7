/// Expression grammar, by increasing precedence: conditional, or, and, not, compare, + -, ~, * / // %, **,
/// unary - +, then postfix (. [] ()) and filter/test chains (| is), exactly as jinja2's parser.
extension Parser {
    func isTupleEnd(_ extraEndRules: Set<String>) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .op(.rparen): return true
        case .name(let n): return extraEndRules.contains(n)
        default: return false
        }
    }

    mutating func parseTuple(simplified: Bool = false, withCondexpr: Bool = true, extraEndRules: Set<String> = [],
                             explicitParentheses: Bool = false) throws -> Expr {
        let line = current.line
        var args: [Expr] = []
        var isTuple = false
        while true {
            if !args.isEmpty { try expectOp(.comma) }
            if isTupleEnd(extraEndRules) { break }
            args.append(simplified ? try parsePrimary() : try parseExpression(withCondexpr: withCondexpr))
            if isOp(.comma) { isTuple = true } else { break }
        }
        if !isTuple {
            if let only = args.first { return only }
            if !explicitParentheses { throw fail("Expected an expression, got '\(current.kind.description)'") }
        }
        return try node(.tuple(args), line: line)
    }

    mutating func parseExpression(withCondexpr: Bool = true) throws -> Expr {
        try nested { p in withCondexpr ? try p.parseCondexpr() : try p.parseOr() }
    }

    mutating func parseCondexpr() throws -> Expr {
        let line = current.line
        var expr = try parseOr()
        while skipIfName("if") {
            let test = try parseOr()
            var otherwise: Expr?
            if skipIfName("else") { otherwise = try nested { try $0.parseCondexpr() } }
            expr = try node(.conditional(test: test, then: expr, otherwise: otherwise), line: line)
        }
        return expr
    }

    mutating func parseOr() throws -> Expr {
        let line = current.line
        var left = try parseAnd()
        while skipIfName("or") { left = try node(.or(left, try parseAnd()), line: line) }
        return left
    }

    mutating func parseAnd() throws -> Expr {
        let line = current.line
        var left = try parseNot()
        while skipIfName("and") { left = try node(.and(left, try parseNot()), line: line) }
        return left
    }

    mutating func parseNot() throws -> Expr {
        let line = current.line
        if skipIfName("not") { return try node(.not(try nested { try $0.parseNot() }), line: line) }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> Expr {
        let line = current.line
        let expr = try parseMath1()
        var ops: [(CompareOp, Expr)] = []
        while true {
            let op: CompareOp
            switch current.kind {
            case .op(.eq): op = .eq
            case .op(.ne): op = .ne
            case .op(.lt): op = .lt
            case .op(.lteq): op = .lteq
            case .op(.gt): op = .gt
            case .op(.gteq): op = .gteq
            case .name("in"): op = .in
            case .name("not") where isName("in", peek()):
                advance()
                op = .notIn
            default:
                return ops.isEmpty ? expr : try node(.compare(expr, ops), line: line)
            }
            advance()
            ops.append((op, try parseMath1()))
        }
    }

    mutating func parseMath1() throws -> Expr {
        let line = current.line
        var left = try parseConcat()
        while true {
            let op: BinaryOp
            switch current.kind {
            case .op(.add): op = .add
            case .op(.sub): op = .sub
            default: return left
            }
            advance()
            left = try node(.binary(op, left, try parseConcat()), line: line)
        }
    }

    mutating func parseConcat() throws -> Expr {
        let line = current.line
        var args = [try parseMath2()]
        while skipIfOp(.tilde) { args.append(try parseMath2()) }
        return args.count == 1 ? args[0] : try node(.concat(args), line: line)
    }

    mutating func parseMath2() throws -> Expr {
        let line = current.line
        var left = try parsePow()
        while true {
            let op: BinaryOp
            switch current.kind {
            case .op(.mul): op = .mul
            case .op(.div): op = .div
            case .op(.floordiv): op = .floordiv
            case .op(.mod): op = .mod
            default: return left
            }
            advance()
            left = try node(.binary(op, left, try parsePow()), line: line)
        }
    }

    mutating func parsePow() throws -> Expr {
        let line = current.line
        var left = try parseUnary()
        // Left-associative, as in jinja2 (2 ** 3 ** 2 == 64).
        while skipIfOp(.pow) { left = try node(.binary(.pow, left, try parseUnary()), line: line) }
        return left
    }

    mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        let line = current.line
        var expr: Expr
        if skipIfOp(.sub) {
            expr = try node(.negate(try nested { try $0.parseUnary(withFilter: false) }), line: line)
        } else if skipIfOp(.add) {
            expr = try node(.plus(try nested { try $0.parseUnary(withFilter: false) }), line: line)
        } else {
            expr = try parsePrimary()
        }
        expr = try parsePostfix(expr)
        if withFilter { expr = try parseFilterExpr(expr) }
        return expr
    }

    mutating func parsePrimary() throws -> Expr {
        let token = current
        switch token.kind {
        case .name(let n):
            advance()
            switch n {
            case "true", "True": return try node(.constant(.bool(true)), line: token.line)
            case "false", "False": return try node(.constant(.bool(false)), line: token.line)
            case "none", "None": return try node(.constant(.none), line: token.line)
            default:
                if n == "caller" || n == "varargs" || n == "kwargs", !macroReferences.isEmpty {
                    macroReferences[macroReferences.count - 1].insert(n)
                }
                return try node(.name(symbol(n)), line: token.line)
            }
        case .string(let s):
            advance()
            var value = s
            while case .string(let more) = current.kind {
                value += more
                advance()
            }
            return try node(.constant(.string(value)), line: token.line)
        case .integer(let i):
            advance()
            return try node(.constant(.int(i)), line: token.line)
        case .float(let d):
            advance()
            return try node(.constant(.float(d)), line: token.line)
        case .op(.lparen):
            advance()
            let e = try nested { try $0.parseTuple(explicitParentheses: true) }
            try expectOp(.rparen)
            return e
        case .op(.lbracket):
            advance()
            var items: [Expr] = []
            while !isOp(.rbracket) {
                if !items.isEmpty { try expectOp(.comma) }
                if isOp(.rbracket) { break }
                items.append(try parseExpression())
            }
            try expectOp(.rbracket)
            return try node(.list(items), line: token.line)
        case .op(.lbrace):
            advance()
            var pairs: [(Expr, Expr)] = []
            while !isOp(.rbrace) {
                if !pairs.isEmpty { try expectOp(.comma) }
                if isOp(.rbrace) { break }
                let key = try parseExpression()
                try expectOp(.colon)
                pairs.append((key, try parseExpression()))
            }
            try expectOp(.rbrace)
            return try node(.dict(pairs), line: token.line)
        default:
            throw unexpected(token)
        }
    }

    mutating func parsePostfix(_ start: Expr) throws -> Expr {
        var expr = start
        while true {
            switch current.kind {
            case .op(.dot), .op(.lbracket): expr = try parseSubscript(expr)
            case .op(.lparen): expr = try parseCall(expr)
            default: return expr
            }
        }
    }

    mutating func parseFilterExpr(_ start: Expr) throws -> Expr {
        var expr = start
        while true {
            switch current.kind {
            case .op(.pipe):
                for f in try parseFilterChain(startInline: false) { expr = try node(.filter(expr, f), line: f.line) }
            case .name("is"): expr = try parseTest(expr)
            case .op(.lparen): expr = try parseCall(expr)
            default: return expr
            }
        }
    }

    mutating func parseSubscript(_ target: Expr) throws -> Expr {
        let token = current
        advance()
        if case .op(.dot) = token.kind {
            let attr = current
            advance()
            switch attr.kind {
            case .name(let n): return try node(.attribute(target, Member(n)), line: token.line)
            case .integer(let i): return try node(.item(target, try node(.constant(.int(i)), line: attr.line)), line: token.line)
            default: throw fail("expected name or number", at: attr)
            }
        }
        var args: [Expr] = []
        while !isOp(.rbracket) {
            if !args.isEmpty { try expectOp(.comma) }
            args.append(try parseSubscribed(target))
        }
        try expectOp(.rbracket)
        if args.count == 1 {
            if case .slice = args[0].kind { return args[0] }
            return try node(.item(target, args[0]), line: token.line)
        }
        return try node(.item(target, try node(.tuple(args), line: token.line)), line: token.line)
    }

    /// One subscript: an index expression, or a slice node applied to `target`.
    mutating func parseSubscribed(_ target: Expr) throws -> Expr {
        let line = current.line
        var start: Expr?
        if !isOp(.colon) {
            let e = try parseExpression()
            if !isOp(.colon) { return e }
            start = e
        }
        advance()
        var stop: Expr?
        var step: Expr?
        if !isOp(.colon) && !isOp(.rbracket) && !isOp(.comma) { stop = try parseExpression() }
        if skipIfOp(.colon), !isOp(.rbracket), !isOp(.comma) { step = try parseExpression() }
        return try node(.slice(target, start: start, stop: stop, step: step), line: line)
    }

    mutating func parseCallArgs() throws -> CallArgs {
        let open = current
        try expectOp(.lparen)
        var args = CallArgs()
        var requireComma = false
        while !isOp(.rparen) {
            if requireComma {
                try expectOp(.comma)
                if isOp(.rparen) { break }
            }
            if skipIfOp(.mul) {
                guard args.starArgs == nil, args.starKwargs == nil else { throw invalidCall(open) }
                args.starArgs = try parseExpression()
            } else if skipIfOp(.pow) {
                guard args.starKwargs == nil else { throw invalidCall(open) }
                args.starKwargs = try parseExpression()
            } else if case .name(let key) = current.kind, case .op(.assign) = peek().kind {
                guard args.starKwargs == nil else { throw invalidCall(open) }
                advance()
                advance()
                args.keywords.append((key, try parseExpression()))
            } else {
                guard args.starArgs == nil, args.starKwargs == nil, args.keywords.isEmpty else { throw invalidCall(open) }
                args.positional.append(try parseExpression())
            }
            requireComma = true
        }
        try expectOp(.rparen)
        return args
    }

    private func invalidCall(_ token: Token) -> TemplateError {
        fail("invalid syntax for function call expression", at: token)
    }

    mutating func parseCall(_ callee: Expr) throws -> Expr {
        let line = current.line
        return try node(.call(callee, try parseCallArgs()), line: line)
    }

    mutating func parseDottedName() throws -> String {
        var name = try expectName()
        while skipIfOp(.dot) { name += "." + (try expectName()) }
        return name
    }

    /// Parses `|f(args)|g...`; with `startInline` the first filter has no leading pipe (filter blocks).
    mutating func parseFilterChain(startInline: Bool) throws -> [FilterCall] {
        var filters: [FilterCall] = []
        var inline = startInline
        while inline || isOp(.pipe) {
            if !inline { advance() }
            inline = false
            let line = current.line
            let name = try parseDottedName()
            let args = isOp(.lparen) ? try parseCallArgs() : CallArgs()
            filters.append(FilterCall(name: name, args: args, line: line))
        }
        return filters
    }

    mutating func parseTest(_ subject: Expr) throws -> Expr {
        let line = current.line
        advance()
        let negated = skipIfName("not")
        let name = try parseDottedName()
        var args = CallArgs()
        switch current.kind {
        case .op(.lparen):
            args = try parseCallArgs()
        case .name, .string, .integer, .float, .op(.lbracket), .op(.lbrace):
            // A single bare argument (`x is divisibleby 3`), as jinja2 allows.
            if isName("else") || isName("or") || isName("and") { break }
            if isName("is") { throw fail("You cannot chain multiple tests with is") }
            args.positional = [try parsePostfix(try parsePrimary())]
        default:
            break
        }
        return try node(.test(subject, name: name, args: args, negated: negated), line: line)
    }
}
