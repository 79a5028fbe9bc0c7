/// An expression node; `depth` bounds the tree height so evaluation and deallocation recurse boundedly.
final class Expr: Sendable {
    let kind: ExprKind
    let line: Int
    let depth: Int

    init(_ kind: ExprKind, line: Int) {
        self.kind = kind
        self.line = line
        var d = 0
        kind.forEachChild { d = max(d, $0.depth) }
        depth = d + 1
    }
}

/// A variable name interned to a small integer at parse time (scopes are keyed by `id`).
struct Symbol: Sendable, Equatable {
    let id: Int
    let name: String

    static let loop = Symbol(id: 0, name: "loop")
    static let caller = Symbol(id: 1, name: "caller")
    static let varargs = Symbol(id: 2, name: "varargs")
    static let kwargs = Symbol(id: 3, name: "kwargs")
    static let predefined = [loop, caller, varargs, kwargs]
}

/// An attribute name with its classification as a str/dict/list method computed once at parse time.
struct Member: Sendable {
    let name: String
    let kinds: MethodKinds

    init(_ name: String) {
        self.name = name
        kinds = MethodKinds(name)
    }
}

enum BinaryOp: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", floordiv = "//", mod = "%", pow = "**"
}

enum CompareOp: String, Sendable {
    case eq = "==", ne = "!=", lt = "<", lteq = "<=", gt = ">", gteq = ">=", `in` = "in", notIn = "not in"
}

/// Arguments of a call, filter or test.
struct CallArgs: Sendable {
    var positional: [Expr] = []
    var keywords: [(String, Expr)] = []
    var starArgs: Expr?
    var starKwargs: Expr?

    var isEmpty: Bool { positional.isEmpty && keywords.isEmpty && starArgs == nil && starKwargs == nil }

    func forEach(_ body: (Expr) -> Void) {
        positional.forEach(body)
        keywords.forEach { body($0.1) }
        starArgs.map(body)
        starKwargs.map(body)
    }
}

/// One `|name(args)` application.
struct FilterCall: Sendable {
    let name: String
    let args: CallArgs
    let line: Int
}

enum ExprKind: Sendable {
    case constant(Value)
    case name(Symbol)
    case attribute(Expr, Member)
    case item(Expr, Expr)
    case slice(Expr, start: Expr?, stop: Expr?, step: Expr?)
    case call(Expr, CallArgs)
    case filter(Expr, FilterCall)
    case test(Expr, name: String, args: CallArgs, negated: Bool)
    case negate(Expr)
    case plus(Expr)
    case not(Expr)
    case binary(BinaryOp, Expr, Expr)
    case and(Expr, Expr)
    case or(Expr, Expr)
    case compare(Expr, [(CompareOp, Expr)])
    case concat([Expr])
    case conditional(test: Expr, then: Expr, otherwise: Expr?)
    case list([Expr])
    case tuple([Expr])
    case dict([(Expr, Expr)])

    func forEachChild(_ body: (Expr) -> Void) {
        switch self {
        case .constant, .name: break
        case .attribute(let e, _), .negate(let e), .plus(let e), .not(let e): body(e)
        case .item(let a, let b), .binary(_, let a, let b), .and(let a, let b), .or(let a, let b):
            body(a)
            body(b)
        case .slice(let e, let a, let b, let c):
            body(e)
            a.map(body)
            b.map(body)
            c.map(body)
        case .call(let e, let args), .test(let e, _, let args, _):
            body(e)
            args.forEach(body)
        case .filter(let e, let f):
            body(e)
            f.args.forEach(body)
        case .compare(let e, let ops):
            body(e)
            ops.forEach { body($0.1) }
        case .concat(let es), .list(let es), .tuple(let es): es.forEach(body)
        case .conditional(let t, let a, let b):
            body(t)
            body(a)
            b.map(body)
        case .dict(let pairs):
            pairs.forEach {
                body($0.0)
                body($0.1)
            }
        }
    }
}

/// An assignment target: `x`, `ns.attr` or `a, b`.
enum Target: Sendable {
    case name(Symbol)
    case attribute(Symbol, String)
    case tuple([Target])
}

/// Per-frame facts from the scope analysis (see ScopeAnalysis): names bound to Undefined on frame entry.
/// Filled in once right after parsing, before the template is shared, and read-only afterwards.
final class FrameInfo: @unchecked Sendable {
    var undefinedOnEntry: [Int] = []
}

/// A `{% macro %}` or the body of a `{% call %}` block.
final class MacroDefinition: Sendable {
    let name: Symbol
    let parameters: [(Symbol, Expr?)]
    let body: [Statement]
    let usesCaller: Bool
    let usesVarargs: Bool
    let usesKwargs: Bool
    let line: Int
    let frame = FrameInfo()

    init(name: Symbol, parameters: [(Symbol, Expr?)], body: [Statement], usesCaller: Bool, usesVarargs: Bool,
         usesKwargs: Bool, line: Int) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.usesCaller = usesCaller
        self.usesVarargs = usesVarargs
        self.usesKwargs = usesKwargs
        self.line = line
    }
}

/// A `{% for %}` block; a class so `loop(...)` in recursive loops can refer back to it.
final class ForNode: Sendable {
    let target: Target
    let iterable: Expr
    let condition: Expr?
    let body: [Statement]
    let elseBody: [Statement]
    let recursive: Bool
    let bodyFrame = FrameInfo()
    let elseFrame = FrameInfo()

    init(target: Target, iterable: Expr, condition: Expr?, body: [Statement], elseBody: [Statement], recursive: Bool) {
        self.target = target
        self.iterable = iterable
        self.condition = condition
        self.body = body
        self.elseBody = elseBody
        self.recursive = recursive
    }
}

enum StatementKind: Sendable {
    case text(String)
    case output(Expr)
    case ifBlock(branches: [(Expr, [Statement])], otherwise: [Statement])
    case forBlock(ForNode)
    case set(Target, Expr)
    case setBlock(Target, filters: [FilterCall], body: [Statement], frame: FrameInfo)
    case macro(MacroDefinition)
    case callBlock(call: Expr, caller: MacroDefinition)
    case filterBlock(filters: [FilterCall], body: [Statement], frame: FrameInfo)
    case with(assignments: [(Target, Expr)], body: [Statement], frame: FrameInfo)
    /// A body rendered in its own frame (transformers' `{% generation %}`).
    case scope([Statement], frame: FrameInfo)
    /// `{% print a, b %}`.
    case print([Expr])
    case breakLoop
    case continueLoop
}

final class Statement: Sendable {
    let kind: StatementKind
    let line: Int

    init(_ kind: StatementKind, line: Int) {
        self.kind = kind
        self.line = line
    }
}
