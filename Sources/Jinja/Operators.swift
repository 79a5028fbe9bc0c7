import Foundation

/// Python semantics of the binary, comparison and membership operators.
extension Interpreter {
    func binary(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        if op == .mod, case .string(let format) = a {
            // str % x formats even an undefined x (as ""), since str.__mod__ runs before Undefined.__rmod__;
            // a tuple spreads into several arguments, anything else is one.
            let mapping: OrderedDict? = { if case .dict(let d) = b { return d } else { return nil } }()
            let args: [Value] = { if case .tuple(let items) = b { return items } else { return [b] } }()
            let s = try PercentFormat.format(format, args, mapping: mapping)
            try checkSize(s)
            return .string(s)
        }
        if a.isUndefined || b.isUndefined {
            throw runtime("unsupported operand for \(op.rawValue): an operand is undefined")
        }
        switch op {
        case .add:
            switch (a, b) {
            case (.string(let x), .string(let y)):
                let s = x + y
                try checkSize(s)
                try work(s.utf8.count)
                return .string(s)
            case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
                try checkCount(x.count + y.count)
                try work(x.count + y.count)
                if case .tuple = a { return .tuple(x + y) }
                return .list(x + y)
            case (.tuple, _): throw runtime("can only concatenate tuple (not \"\(b.typeName)\") to tuple")
            case (.string, _): throw runtime("can only concatenate str (not \"\(b.typeName)\") to str")
            case (.list, _): throw runtime("can only concatenate list (not \"\(b.typeName)\") to list")
            default: return try arithmetic(op, a, b)
            }
        case .mul:
            switch (a, b) {
            case (.string(let s), _) where b.indexValue != nil: return try repeatString(s, b.indexValue ?? 0)
            case (_, .string(let s)) where a.indexValue != nil: return try repeatString(s, a.indexValue ?? 0)
            case (.list(let l), _) where b.indexValue != nil: return try repeatList(l, b.indexValue ?? 0)
            case (_, .list(let l)) where a.indexValue != nil: return try repeatList(l, a.indexValue ?? 0)
            case (.tuple(let l), _) where b.indexValue != nil: return .tuple(try repeatList(l, b.indexValue ?? 0).sequenceItems ?? [])
            case (_, .tuple(let l)) where a.indexValue != nil: return .tuple(try repeatList(l, a.indexValue ?? 0).sequenceItems ?? [])
            default: return try arithmetic(op, a, b)
            }
        default:
            return try arithmetic(op, a, b)
        }
    }

    private func repeatString(_ s: String, _ n: Int) throws -> Value {
        guard n > 0, !s.isEmpty else { return .string("") }
        let (total, overflow) = s.utf8.count.multipliedReportingOverflow(by: n)
        guard !overflow, total <= limits.maxOutputBytes else {
            throw TemplateError.limit("string longer than \(limits.maxOutputBytes) bytes")
        }
        try work(total)
        return .string(String(repeating: s, count: n))
    }

    private func repeatList(_ l: [Value], _ n: Int) throws -> Value {
        guard n > 0, !l.isEmpty else { return .list([]) }
        let (total, overflow) = l.count.multipliedReportingOverflow(by: n)
        guard !overflow else { throw TemplateError.limit("list too long") }
        try checkCount(total)
        try work(total)
        var out: [Value] = []
        out.reserveCapacity(total)
        for _ in 0..<n { out += l }
        return .list(out)
    }

    private func arithmetic(_ op: BinaryOp, _ a: Value, _ b: Value) throws -> Value {
        guard let x = a.numeric, let y = b.numeric else {
            throw runtime("unsupported operand type(s) for \(op.rawValue): '\(a.typeName)' and '\(b.typeName)'")
        }
        if case .int(let i) = x, case .int(let j) = y { return try intArithmetic(op, i, j) }
        let p = x.asDouble, q = y.asDouble
        switch op {
        case .add: return .float(p + q)
        case .sub: return .float(p - q)
        case .mul: return .float(p * q)
        case .div:
            guard q != 0 else { throw runtime("float division by zero") }
            return .float(p / q)
        case .floordiv:
            guard q != 0 else { throw runtime("float floor division by zero") }
            return .float(Python.floatDivmod(p, q).0)
        case .mod:
            guard q != 0 else { throw runtime("float modulo") }
            return .float(Python.floatDivmod(p, q).1)
        case .pow:
            if p == 0 && q < 0 { throw runtime("0.0 cannot be raised to a negative power") }
            let r = Foundation.pow(p, q)
            if p < 0 && q != q.rounded() { throw runtime("negative number cannot be raised to a fractional power") }
            if r.isInfinite && p.isFinite && q.isFinite { throw runtime("(34, 'Numerical result out of range')") }
            return .float(r)
        }
    }

    private func intArithmetic(_ op: BinaryOp, _ i: Int, _ j: Int) throws -> Value {
        func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> Value {
            if r.overflow { throw runtime("integer overflow in \(op.rawValue)") }
            return .int(r.partialValue)
        }
        switch op {
        case .add: return try checked(i.addingReportingOverflow(j))
        case .sub: return try checked(i.subtractingReportingOverflow(j))
        case .mul: return try checked(i.multipliedReportingOverflow(by: j))
        case .div:
            guard j != 0 else { throw runtime("division by zero") }
            return .float(Double(i) / Double(j))
        case .floordiv, .mod:
            guard j != 0 else { throw runtime("integer division or modulo by zero") }
            if i == Int.min && j == -1 { throw runtime("integer overflow in \(op.rawValue)") }
            var q = i / j, r = i % j
            if r != 0 && ((r < 0) != (j < 0)) {
                q -= 1
                r += j
            }
            return .int(op == .floordiv ? q : r)
        case .pow:
            if j < 0 {
                if i == 0 { throw runtime("0.0 cannot be raised to a negative power") }
                return .float(Foundation.pow(Double(i), Double(j)))
            }
            var result = 1, base = i, e = j
            while e > 0 {
                if e & 1 == 1 {
                    let r = result.multipliedReportingOverflow(by: base)
                    if r.overflow { throw runtime("integer overflow in **") }
                    result = r.partialValue
                }
                e >>= 1
                if e > 0 {
                    let r = base.multipliedReportingOverflow(by: base)
                    if r.overflow { throw runtime("integer overflow in **") }
                    base = r.partialValue
                }
            }
            return .int(result)
        }
    }

    func compare(_ op: CompareOp, _ a: Value, _ b: Value) throws -> Bool {
        switch op {
        case .eq: return try equal(a, b)
        case .ne: return !(try equal(a, b))
        case .in: return try contains(b, a)
        case .notIn: return !(try contains(b, a))
        case .lt, .lteq, .gt, .gteq:
            let c = try order(a, b, op)
            guard let c else { return false }
            switch op {
            case .lt: return c < 0
            case .lteq: return c <= 0
            case .gt: return c > 0
            default: return c >= 0
            }
        }
    }

    /// Python ordering; nil when unordered (NaN). Mismatched types are a TypeError.
    func order(_ a: Value, _ b: Value, _ op: CompareOp) throws -> Int? {
        if let x = a.numeric, let y = b.numeric { return Numeric.compare(x, y) }
        switch (a, b) {
        case (.string(let x), .string(let y)):
            return Python.compareCodePoints(x, y)
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            for (p, q) in zip(x, y) where !(try equal(p, q)) {
                return try order(p, q, op)
            }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        default:
            if a.isUndefined || b.isUndefined { throw runtime("cannot compare an undefined value with \(op.rawValue)") }
            throw runtime("'\(op.rawValue)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
        }
    }

    /// Python `needle in container`.
    func contains(_ container: Value, _ needle: Value) throws -> Bool {
        switch container {
        case .string(let s):
            guard case .string(let sub) = needle else {
                throw runtime("'in <string>' requires string as left operand, not \(needle.typeName)")
            }
            try work(s.utf8.count)
            return Python.find(s, sub) != nil
        case .list(let a), .tuple(let a):
            for x in a where try equal(x, needle) { return true }
            return false
        case .dict(let d):
            guard needle.isHashable else { throw runtime("unhashable type: '\(needle.typeName)'") }
            return d[needle] != nil
        case .iterator(let it):
            // Python's `in` consumes an iterator up to the first match.
            while let x = it.next() {
                if try equal(x, needle) { return true }
            }
            return false
        case .undefined:
            return false
        default:
            throw runtime("argument of type '\(container.typeName)' is not iterable")
        }
    }
}
