import Foundation

extension Interpreter {
    func eval(_ e: Expr, _ scope: Scope) throws -> Value {
        try step()
        switch e.kind {
        case .constant(let v):
            return v
        case .name(let n):
            return lookup(n, scope)
        case .attribute(let obj, let member):
            return try getAttribute(try eval(obj, scope), member)
        case .item(let obj, let key):
            return try getItem(try eval(obj, scope), try eval(key, scope))
        case .slice(let obj, let start, let stop, let stepExpr):
            let target = try eval(obj, scope)
            let a = try start.map { try eval($0, scope) } ?? .none
            let b = try stop.map { try eval($0, scope) } ?? .none
            let c = try stepExpr.map { try eval($0, scope) } ?? .none
            return try slice(target, a, b, c)
        case .call(let callee, let args):
            try checkStack()
            return try evalCall(callee, args, scope, extraKeywords: [])
        case .filter(let subject, let f):
            try checkStack()
            return try applyFilter(f, try eval(subject, scope), scope)
        case .test(let subject, let name, let args, let negated):
            let v = try eval(subject, scope)
            let (pos, kw) = try evalArgs(args, scope)
            let r = try applyTest(name, v, pos, kw)
            return .bool(negated ? !r : r)
        case .negate(let x):
            let v = try eval(x, scope)
            switch v.numeric {
            case .int(let i)?:
                guard i != Int.min else { throw runtime("integer overflow in unary -") }
                return .int(-i)
            case .float(let d)?: return .float(-d)
            case nil: throw runtime("bad operand type for unary -: '\(v.typeName)'")
            }
        case .plus(let x):
            let v = try eval(x, scope)
            guard let n = v.numeric else { throw runtime("bad operand type for unary +: '\(v.typeName)'") }
            return Value(n)
        case .not(let x):
            return .bool(!(try eval(x, scope).isTruthy))
        case .binary(let op, let a, let b):
            let l = try eval(a, scope)
            return try binary(op, l, try eval(b, scope))
        case .and(let a, let b):
            let l = try eval(a, scope)
            return l.isTruthy ? try eval(b, scope) : l
        case .or(let a, let b):
            let l = try eval(a, scope)
            return l.isTruthy ? l : try eval(b, scope)
        case .compare(let first, let ops):
            var left = try eval(first, scope)
            for (op, rhs) in ops {
                let right = try eval(rhs, scope)
                guard try compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .concat(let parts):
            var s = ""
            for p in parts { s += try eval(p, scope).pythonString }
            try checkSize(s)
            try work(s.utf8.count)
            return .string(s)
        case .conditional(let test, let then, let otherwise):
            if try eval(test, scope).isTruthy { return try eval(then, scope) }
            return try otherwise.map { try eval($0, scope) } ?? .undefined
        case .list(let items):
            let values = try items.map { try eval($0, scope) }
            let v = Value.list(values)
            try noteNesting(of: v, containing: values)
            return v
        case .tuple(let items):
            let values = try items.map { try eval($0, scope) }
            let v = Value.tuple(values)
            try noteNesting(of: v, containing: values)
            return v
        case .dict(let pairs):
            var d = OrderedDict()
            for (k, v) in pairs {
                let key = try eval(k, scope)
                guard key.isHashable else { throw runtime("unhashable type: '\(key.typeName)'") }
                d[key] = try eval(v, scope)
            }
            let v = Value.dict(d)
            try noteNesting(of: v, containing: d.values)
            return v
        }
    }

    // MARK: Calls

    func evalArgs(_ args: CallArgs, _ scope: Scope) throws -> ([Value], [(String, Value)]) {
        var positional = try args.positional.map { try eval($0, scope) }
        if let star = args.starArgs { positional += try iterate(try eval(star, scope), context: "*args") }
        var keywords = try args.keywords.map { ($0.0, try eval($0.1, scope)) }
        if let star = args.starKwargs {
            guard case .dict(let d) = try eval(star, scope) else { throw runtime("argument after ** must be a mapping") }
            for (k, v) in zip(d.keys, d.values) {
                guard case .string(let key) = k else { throw runtime("keywords must be strings") }
                keywords.append((key, v))
            }
        }
        return (positional, keywords)
    }

    func evalCall(_ callee: Expr, _ args: CallArgs, _ scope: Scope, extraKeywords: [(String, Value)]) throws -> Value {
        // `obj.method(...)` on str/dict/list dispatches directly instead of building a bound method.
        if case .attribute(let objExpr, let member) = callee.kind {
            let obj = try eval(objExpr, scope)
            if Methods.isMethod(obj, member.kinds) {
                let (pos, kw) = try evalArgs(args, scope)
                return try callMethod(obj, member.name, pos, kw + extraKeywords)
            }
            let fn = try getAttribute(obj, member)
            let (pos, kw) = try evalArgs(args, scope)
            return try callValue(fn, pos, kw + extraKeywords, description: member.name)
        }
        let fn = try eval(callee, scope)
        let (pos, kw) = try evalArgs(args, scope)
        var description = "object"
        if case .name(let n) = callee.kind { description = n.name }
        return try callValue(fn, pos, kw + extraKeywords, description: description)
    }

    func callValue(_ fn: Value, _ pos: [Value], _ kw: [(String, Value)], description: String) throws -> Value {
        switch fn {
        case .callable(let c):
            switch c.kind {
            case .macro(let def), .caller(let def):
                return try callMacro(def, closure: c.closure ?? root, pos, kw)
            case .builtin(let b):
                return try callBuiltin(b, pos, kw)
            case .method(let receiver, let name):
                return try callMethod(receiver, name, pos, kw)
            }
        case .loop(let ctx):
            guard let node = ctx.node, pos.count == 1, kw.isEmpty else {
                throw runtime("loop() can only be called with one argument inside a recursive for loop")
            }
            callDepth += 1
            defer { callDepth -= 1 }
            guard callDepth <= limits.maxCallDepth else { throw TemplateError.limit("recursive loop nested too deeply") }
            try checkStack()
            let text = try capture { _ = try executeFor(node, ctx.scope ?? root, override: pos[0], depth0: ctx.depth0 + 1) }
            return .string(text)
        case .undefined:
            throw runtime("'\(description)' is undefined and cannot be called")
        default:
            throw runtime("'\(fn.typeName)' object is not callable")
        }
    }

    func callMacro(_ def: MacroDefinition, closure: Scope, _ pos: [Value], _ kw: [(String, Value)]) throws -> Value {
        callDepth += 1
        defer { callDepth -= 1 }
        guard callDepth <= limits.maxCallDepth else {
            throw TemplateError.limit("macro calls nested deeper than \(limits.maxCallDepth)")
        }
        try checkStack()
        let scope = enter(def.frame, parent: closure)
        var keywords = kw
        func takeKeyword(_ name: String) -> Value? {
            guard let i = keywords.firstIndex(where: { $0.0 == name }) else { return nil }
            return keywords.remove(at: i).1
        }
        if def.usesCaller { scope.set(Symbol.caller.id, takeKeyword("caller") ?? .undefined) }
        let params = def.parameters
        if pos.count > params.count && !def.usesVarargs {
            throw runtime("macro '\(def.name.name)' takes not more than \(params.count) argument(s)")
        }
        for (i, (param, defaultExpr)) in params.enumerated() {
            let value: Value
            if i < pos.count {
                if takeKeyword(param.name) != nil {
                    throw runtime("macro '\(def.name.name)' got multiple values for argument '\(param.name)'")
                }
                value = pos[i]
            } else if let v = takeKeyword(param.name) {
                value = v
            } else if let d = defaultExpr {
                value = try eval(d, scope)
            } else {
                value = .undefined
            }
            scope.set(param.id, value)
        }
        if def.usesVarargs { scope.set(Symbol.varargs.id, .tuple(pos.count > params.count ? Array(pos[params.count...]) : [])) }
        if def.usesKwargs {
            scope.set(Symbol.kwargs.id, .dict(OrderedDict(pairs: keywords)))
        } else if let (name, _) = keywords.first {
            throw runtime("macro '\(def.name.name)' takes no keyword argument '\(name)'")
        }
        let savedLine = line
        defer { line = savedLine }
        return .string(try capture { _ = try execute(def.body, scope) })
    }

    // MARK: Attribute and item access (jinja2 sandbox getattr/getitem)

    func getAttribute(_ obj: Value, _ name: String) throws -> Value {
        try getAttribute(obj, Member(name))
    }

    /// `obj.name`: the Python attribute first (methods), then the key.
    func getAttribute(_ obj: Value, _ member: Member) throws -> Value {
        let name = member.name
        switch obj {
        case .undefined:
            throw runtime("cannot read attribute '\(name)' of an undefined value")
        case .dict(let d):
            if Methods.isMethod(obj, member.kinds) { return boundMethod(obj, member) }
            return d[name] ?? .undefined
        case .string, .list, .tuple:
            return Methods.isMethod(obj, member.kinds) ? boundMethod(obj, member) : .undefined
        case .namespace(let ns):
            return ns.get(name) ?? .undefined
        case .loop(let ctx):
            return ctx.attribute(name) ?? .undefined
        case .int, .bool:
            if name == "real" || name == "numerator" { return obj.numeric.map { Value($0) } ?? .undefined }
            if name == "imag" { return .int(0) }
            if name == "denominator" { return .int(1) }
            return .undefined
        case .float(let d):
            if name == "real" { return .float(d) }
            if name == "imag" { return .float(0) }
            return .undefined
        case .callable(let c):
            // jinja2's Macro objects expose their signature.
            guard case .macro(let def) = c.kind else { return .undefined }
            switch name {
            case "name": return .string(def.name.name)
            case "arguments": return .tuple(def.parameters.map { .string($0.0.name) })
            case "catch_kwargs": return .bool(def.usesKwargs)
            case "catch_varargs": return .bool(def.usesVarargs)
            case "caller": return .bool(def.usesCaller)
            default: return .undefined
            }
        case .none, .iterator:
            return .undefined
        }
    }

    /// Mutating methods read as undefined (jinja2's unsafe_undefined); calling them is a sandbox error.
    private func boundMethod(_ obj: Value, _ member: Member) -> Value {
        if Methods.isMutating(obj, member.kinds) { return .undefined }
        return .callable(Callable(.method(receiver: obj, name: member.name)))
    }

    /// `obj[key]`: the key first, then (for string keys) the attribute.
    func getItem(_ obj: Value, _ key: Value) throws -> Value {
        switch obj {
        case .undefined:
            throw runtime("cannot read item \(PythonRepr.repr(key)) of an undefined value")
        case .dict(let d):
            if key.isHashable, let v = d[key] { return v }
        case .list(let a), .tuple(let a):
            if let i = key.indexValue {
                let j = i < 0 ? i + a.count : i
                return j >= 0 && j < a.count ? a[j] : .undefined
            }
        case .string(let s):
            if let i = key.indexValue {
                try work(s.utf8.count)
                let scalars = s.unicodeScalars
                let count = scalars.count
                let j = i < 0 ? i + count : i
                guard j >= 0 && j < count else { return .undefined }
                return .string(String(scalars[scalars.index(scalars.startIndex, offsetBy: j)]))
            }
        case .namespace, .loop:
            break
        default:
            return .undefined
        }
        if case .string(let name) = key { return try getAttribute(obj, name) }
        return .undefined
    }

    func slice(_ obj: Value, _ start: Value, _ stop: Value, _ step: Value) throws -> Value {
        func bound(_ v: Value) -> Int?? {
            if case .none = v { return .some(nil) }
            return v.indexValue.map { .some($0) }
        }
        // jinja2 compiles slices to a plain Python subscript (bypassing getitem), so type errors propagate.
        if case .undefined = obj { throw runtime("cannot slice an undefined value") }
        guard let a = bound(start), let b = bound(stop), let c = bound(step) else {
            throw runtime("slice indices must be integers or None")
        }
        switch obj {
        case .list(let items), .tuple(let items):
            guard let out = Python.slice(items, a, b, c) else { throw runtime("slice step cannot be zero") }
            try work(out.count)
            if case .tuple = obj { return .tuple(out) }
            return .list(out)
        case .string(let s):
            try work(s.utf8.count)
            guard let out = Python.slice(Array(s.unicodeScalars), a, b, c) else {
                throw runtime("slice step cannot be zero")
            }
            return .string(Python.string(out))
        case .dict:
            throw runtime("unhashable type: 'slice'")
        default:
            throw runtime("'\(obj.typeName)' object is not subscriptable")
        }
    }

    // MARK: Runtime nesting bound

    /// Rejects containers nested deeper than the nesting bound, so deallocation and printing stay shallow.
    func noteNesting(of container: Value, containing children: [Value]) throws {
        var deepest = 0
        for child in children where child.isContainer {
            deepest = max(deepest, nestingDepth(child))
        }
        guard deepest > 0 else { return }
        let d = deepest + 1
        if d > limits.maxNestingDepth {
            throw TemplateError.limit("values nested deeper than \(limits.maxNestingDepth) levels")
        }
        if let id = container.storageIdentity {
            depthMemo[id] = max(depthMemo[id] ?? 1, d)
            pinned.append(container)
        }
    }

    private func nestingDepth(_ v: Value) -> Int {
        if case .namespace = v, let id = v.storageIdentity { return depthMemo[id] ?? 1 }
        guard let id = v.storageIdentity else { return v.isContainer ? 1 : 0 }
        if let d = depthMemo[id] { return d }
        var deepest = 0
        switch v {
        case .list(let a), .tuple(let a): for x in a where x.isContainer { deepest = max(deepest, nestingDepth(x)) }
        case .iterator(let it): for x in it.items where x.isContainer { deepest = max(deepest, nestingDepth(x)) }
        case .dict(let d): for x in d.values where x.isContainer { deepest = max(deepest, nestingDepth(x)) }
        default: break
        }
        depthMemo[id] = deepest + 1
        pinned.append(v)
        return deepest + 1
    }
}

extension Value {
    var isContainer: Bool {
        switch self {
        case .list(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        case .namespace: return true
        case .iterator(let it): return !it.items.isEmpty
        default: return false
        }
    }

    /// Address of a non-empty list or dict's element storage (stable while the value is alive).
    var storageIdentity: UInt? {
        switch self {
        case .list(let a), .tuple(let a): return a.storageIdentity
        case .dict(let d): return d.values.withUnsafeBufferPointer { $0.baseAddress.map { UInt(bitPattern: $0) } }
        case .namespace(let ns): return UInt(bitPattern: ObjectIdentifier(ns))
        case .iterator(let it): return UInt(bitPattern: ObjectIdentifier(it))
        default: return nil
        }
    }

    /// An int usable as an index (bools count, as in Python).
    var indexValue: Int? {
        switch self {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Whether Python could use it as a dict key.
    var isHashable: Bool {
        switch self {
        case .none, .bool, .int, .float, .string, .undefined, .namespace, .callable, .loop: return true
        case .list, .dict: return false
        case .tuple(let items): return items.allSatisfy(\.isHashable)
        case .iterator: return true
        }
    }
}
