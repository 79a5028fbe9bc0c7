import Foundation

/// Executes a parsed template for one render; holds the bounded-resource bookkeeping.
final class Interpreter {
    enum Flow { case normal, breakLoop, continueLoop }

    let limits: TemplateLimits
    let now: Date
    let timeZone: TimeZone
    let root: Scope
    /// Builtin globals by symbol id (nil where the name is not a global).
    let globals: [Value?]
    var stackGuard = StackGuard()
    var output = ""
    var steps = 0
    /// Bulk work not yet charged as steps (in 1/64 step units).
    var bulk = 0
    var iterations = 0
    var callDepth = 0
    /// Line of the statement being executed, for runtime error messages.
    var line = 0
    /// Namespaces made by this render; cleared at the end to break cycles a template may build.
    var namespaces: [Namespace] = []
    /// Frames that got a macro defined in them (each macro references its frame); cleared at the end.
    var macroScopes: [Scope] = []
    /// Nesting depth of containers already measured, keyed by storage identity (values pinned alive).
    var depthMemo: [UInt: Int] = [:]
    var pinned: [Value] = []

    init(root: Scope, globals: [Value?], limits: TemplateLimits, now: Date, timeZone: TimeZone) {
        self.root = root
        self.globals = globals
        self.limits = limits
        self.now = now
        self.timeZone = timeZone
    }

    func render(_ body: [Statement]) throws -> String {
        defer {
            for ns in namespaces { ns.clear() }
            for scope in macroScopes { scope.removeAll() }
            root.removeAll()
        }
        _ = try execute(body, root)
        return output
    }

    // MARK: Errors and bounds

    func runtime(_ message: String) -> TemplateError {
        .runtime(message: message, line: line)
    }

    @inline(__always)
    func step(_ count: Int = 1) throws {
        steps &+= count
        if steps > limits.maxSteps { throw TemplateError.limit("more than \(limits.maxSteps) evaluation steps") }
    }

    /// Charges bulk work (one step per 64 elements or bytes) so operations on large values stay bounded.
    @inline(__always)
    func work(_ units: Int) throws {
        bulk &+= units
        if bulk >= 64 {
            try step(bulk >> 6)
            bulk &= 63
        }
    }

    /// Python `==`, charging the comparison's cost.
    func equal(_ a: Value, _ b: Value) throws -> Bool {
        var cost = 0
        let result = Value.pyEquals(a, b, depth: 0, cost: &cost)
        try work(cost)
        return result
    }

    func countIteration() throws {
        iterations += 1
        if iterations > limits.maxLoopIterations {
            throw TemplateError.limit("more than \(limits.maxLoopIterations) loop iterations")
        }
        try step()
    }

    func checkStack() throws {
        if stackGuard.isExhausted() { throw TemplateError.limit("recursion too deep for the available stack") }
    }

    func checkSize(_ s: String) throws {
        if s.utf8.count > limits.maxOutputBytes {
            throw TemplateError.limit("string longer than \(limits.maxOutputBytes) bytes")
        }
    }

    func checkCount(_ n: Int) throws {
        if n > limits.maxLoopIterations { throw TemplateError.limit("sequence longer than \(limits.maxLoopIterations) items") }
    }

    func write(_ s: String) throws {
        output += s
        if output.utf8.count > limits.maxOutputBytes {
            throw TemplateError.limit("output larger than \(limits.maxOutputBytes) bytes")
        }
    }

    /// Runs `body` with a fresh output buffer and returns what it wrote.
    func capture(_ body: () throws -> Void) throws -> String {
        let saved = output
        output = ""
        do {
            try body()
        } catch {
            output = saved
            throw error
        }
        let result = output
        output = saved
        return result
    }

    // MARK: Statements

    func execute(_ body: [Statement], _ scope: Scope) throws -> Flow {
        for statement in body {
            let flow = try execute(statement, scope)
            if flow != .normal { return flow }
        }
        return .normal
    }

    func execute(_ statement: Statement, _ scope: Scope) throws -> Flow {
        try step()
        line = statement.line
        switch statement.kind {
        case .text(let s):
            try write(s)
        case .output(let e):
            let v = try eval(e, scope)
            line = statement.line
            try write(try printable(v))
        case .ifBlock(let branches, let otherwise):
            try checkStack()
            for (test, body) in branches where try eval(test, scope).isTruthy {
                return try execute(body, scope)
            }
            return try execute(otherwise, scope)
        case .forBlock(let node):
            try checkStack()
            return try executeFor(node, scope, override: nil, depth0: 0)
        case .set(let target, let e):
            try assign(target, try eval(e, scope), scope)
        case .setBlock(let target, let filters, let body, let frame):
            let text = try capture { _ = try execute(body, enter(frame, parent: scope)) }
            try assign(target, try applyFilters(filters, to: .string(text), scope), scope)
        case .macro(let def):
            scope.set(def.name.id, .callable(Callable(.macro(def), closure: scope)))
            macroScopes.append(scope)
        case .callBlock(let call, let caller):
            guard case .call(let callee, let args) = call.kind else { throw runtime("expected call") }
            let callerValue = Value.callable(Callable(.caller(caller), closure: scope))
            let result = try evalCall(callee, args, scope, extraKeywords: [("caller", callerValue)])
            try write(try printable(result))
        case .filterBlock(let filters, let body, let frame):
            let text = try capture { _ = try execute(body, enter(frame, parent: scope)) }
            try write(try printable(try applyFilters(filters, to: .string(text), scope)))
        case .with(let assignments, let body, let frame):
            let inner = enter(frame, parent: scope)
            for (target, e) in assignments { try assign(target, try eval(e, scope), inner) }
            return try execute(body, inner)
        case .scope(let body, let frame):
            return try execute(body, enter(frame, parent: scope))
        case .print(let exprs):
            for e in exprs { try write(try printable(try eval(e, scope))) }
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    /// What `{{ v }}` prints: Python `str(v)`.
    func printable(_ v: Value) throws -> String {
        if case .string(let s) = v { return s }
        let s = v.pythonString
        try checkSize(s)
        try work(s.utf8.count)
        return s
    }

    func applyFilters(_ filters: [FilterCall], to value: Value, _ scope: Scope) throws -> Value {
        var v = value
        for f in filters { v = try applyFilter(f, v, scope) }
        return v
    }

    func executeFor(_ node: ForNode, _ scope: Scope, override: Value?, depth0: Int) throws -> Flow {
        let iterable = try override ?? eval(node.iterable, scope)
        var items = try iterate(iterable, context: "for loop")
        if let condition = node.condition {
            var kept: [Value] = []
            let filterScope = Scope(parent: scope)
            for item in items {
                try countIteration()
                try assign(node.target, item, filterScope)
                if try eval(condition, filterScope).isTruthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty { return try execute(node.elseBody, enter(node.elseFrame, parent: scope)) }
        let ctx = LoopContext(items: items, depth0: depth0, node: node.recursive ? node : nil,
                              scope: node.recursive ? scope : nil)
        let loopValue = Value.loop(ctx)
        // jinja2 clears its "no iteration" flag at the end of the body, so if every iteration ended in
        // break or continue the else block still runs.
        var completedBody = false
        for (i, item) in items.enumerated() {
            try countIteration()
            ctx.index0 = i
            // Each iteration starts from the enclosing scope: a `set` in the body does not carry over.
            let iterationScope = enter(node.bodyFrame, parent: scope)
            iterationScope.set(Symbol.loop.id, loopValue)
            try assign(node.target, item, iterationScope)
            let flow = try execute(node.body, iterationScope)
            if flow == .normal { completedBody = true }
            if flow == .breakLoop { break }
        }
        if !completedBody && !node.elseBody.isEmpty { return try execute(node.elseBody, enter(node.elseFrame, parent: scope)) }
        return .normal
    }

    /// A new frame under `parent`, with the names jinja2 would start as Undefined bound to Undefined.
    func enter(_ frame: FrameInfo, parent: Scope) -> Scope {
        let scope = Scope(parent: parent)
        for id in frame.undefinedOnEntry { scope.set(id, .undefined) }
        return scope
    }

    func assign(_ target: Target, _ value: Value, _ scope: Scope) throws {
        switch target {
        case .name(let symbol):
            scope.set(symbol.id, value)
        case .attribute(let nsName, let attr):
            guard case .namespace(let ns) = lookup(nsName, scope) else {
                throw runtime("cannot assign attribute on non-namespace object '\(nsName.name)'")
            }
            try noteNesting(of: .namespace(ns), containing: [value])
            ns.set(attr, value)
        case .tuple(let targets):
            if case .undefined = value { throw runtime("cannot unpack an undefined value") }
            guard value.isIterable else { throw runtime("cannot unpack non-iterable \(value.typeName) object") }
            let items = try iterate(value, context: "unpacking")
            guard items.count == targets.count else {
                throw runtime(items.count > targets.count
                    ? "too many values to unpack (expected \(targets.count))"
                    : "not enough values to unpack (expected \(targets.count), got \(items.count))")
            }
            for (t, v) in zip(targets, items) { try assign(t, v, scope) }
        }
    }

    func lookup(_ symbol: Symbol, _ scope: Scope) -> Value {
        if let v = scope.lookup(symbol.id) { return v }
        if symbol.id < globals.count, let g = globals[symbol.id] { return g }
        return .undefined
    }

    /// The items `for x in v` visits: list items, dict keys, string characters; undefined is empty.
    func iterate(_ v: Value, context: String) throws -> [Value] {
        switch v {
        case .list(let a), .tuple(let a):
            try work(a.count)
            return a
        case .dict(let d):
            try work(d.count)
            return d.keys
        case .string(let s):
            try work(s.utf8.count * 4)
            return s.unicodeScalars.map { .string(String($0)) }
        case .iterator(let it):
            try work(it.remaining)
            return it.drain()
        case .undefined: return []
        default: throw runtime("'\(v.typeName)' object is not iterable (\(context))")
        }
    }
}

extension Value {
    /// Whether Python `iter(x)` succeeds.
    var isIterable: Bool {
        switch self {
        case .list, .tuple, .dict, .string, .undefined, .iterator: return true
        default: return false
        }
    }
}
