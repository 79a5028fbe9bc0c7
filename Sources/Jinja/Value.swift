import Foundation

/// A template value, mirroring the Python objects Jinja2 templates operate on.
public enum Value: Sendable {
    /// Jinja2's default `Undefined`: prints as empty, is falsy, iterates as empty.
    case undefined
    /// Python `None`.
    case none
    /// Python `bool`.
    case bool(Bool)
    /// Python `int` (64-bit here; overflow is a runtime error).
    case int(Int)
    /// Python `float`.
    case float(Double)
    /// Python `str`, a sequence of Unicode code points.
    case string(String)
    /// Python `list`.
    case list([Value])
    /// Python `tuple` (tuple literals, `items()` pairs, `varargs`); prints as `(a, b)` and never equals a list.
    case tuple([Value])
    /// Python `dict`, keeping insertion order.
    case dict(OrderedDict)
    /// A mutable `namespace()` object.
    case namespace(Namespace)
    /// A macro, `caller`, builtin function or bound method.
    case callable(Callable)
    /// The `loop` object inside a `for` block.
    case loop(LoopContext)
    /// A one-shot iterator, like the generators jinja2's select/map/unique/... filters return.
    case iterator(ValueIterator)
}

extension Value {
    /// Python truthiness (`bool(x)`).
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        case .namespace, .callable, .loop, .iterator: return true
        }
    }

    /// The Python type name, as used in Python error messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .callable: return "function"
        case .loop: return "LoopContext"
        case .iterator(let it): return it.typeName
        }
    }

    /// Elements or bytes an operation over this value touches, for step accounting.
    var bulkSize: Int {
        switch self {
        case .string(let s): return s.utf8.count
        case .list(let a), .tuple(let a): return a.count
        case .dict(let d): return d.count
        case .iterator(let it): return it.remaining
        default: return 1
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// The items of a list or tuple.
    var sequenceItems: [Value]? {
        switch self {
        case .list(let a), .tuple(let a): return a
        default: return nil
        }
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Python `str(x)`: what `{{ x }}` prints.
    public var pythonString: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return PythonRepr.repr(self)
        }
    }
}

extension Value: Equatable {
    /// Python `==`: numbers compare across int/float/bool, dicts ignore order, objects by identity.
    public static func == (lhs: Value, rhs: Value) -> Bool {
        var cost = 0
        return pyEquals(lhs, rhs, depth: 0, cost: &cost)
    }

    /// Python equality; `cost` accumulates elements and bytes compared, for the interpreter's step budget.
    static func pyEquals(_ a: Value, _ b: Value, depth: Int, cost: inout Int) -> Bool {
        // Values built by a template are depth-bounded; this guards values handed in through the API.
        if depth > 1000 { return false }
        cost += 1
        switch (a, b) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let x), .string(let y)):
            guard x.utf8.count == y.utf8.count else { return false }
            cost += x.utf8.count >> 3
            return bytesEqual(x, y)
        case (.list(let x), .list(let y)), (.tuple(let x), .tuple(let y)):
            guard x.count == y.count else { return false }
            if x.storageIdentity != nil && x.storageIdentity == y.storageIdentity { return true }  // same immutable storage
            for i in x.indices where !pyEquals(x[i], y[i], depth: depth + 1, cost: &cost) { return false }
            return true
        case (.dict(let x), .dict(let y)):
            guard x.count == y.count else { return false }
            for i in 0..<x.count {
                guard let w = y[x.keys[i]], pyEquals(x.values[i], w, depth: depth + 1, cost: &cost) else { return false }
            }
            return true
        case (.namespace(let x), .namespace(let y)): return x === y
        case (.callable(let x), .callable(let y)): return x === y
        case (.loop(let x), .loop(let y)): return x === y
        case (.iterator(let x), .iterator(let y)): return x === y
        default:
            if let x = a.numeric, let y = b.numeric { return Numeric.equal(x, y) }
            return false
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A string value.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An int value.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// A float value.
    public init(floatLiteral value: Double) { self = .float(value) }
    /// A bool value.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A list value.
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
    /// A dict value with string keys, in literal order.
    public init(dictionaryLiteral elements: (String, Value)...) {
        var d = OrderedDict()
        for (k, v) in elements { d[k] = v }
        self = .dict(d)
    }
}

extension Value: CustomStringConvertible {
    /// Python `repr(x)`, for debugging.
    public var description: String { PythonRepr.repr(self) }
}

/// A number as an int or a float, for arithmetic across Python's numeric tower (bool is an int).
enum Numeric {
    case int(Int)
    case float(Double)

    var asDouble: Double {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        }
    }

    static func equal(_ a: Numeric, _ b: Numeric) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        default: return compare(a, b) == 0
        }
    }

    /// Three-way comparison; NaN compares unordered (nil).
    static func compare(_ a: Numeric, _ b: Numeric) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.int(let x), .float(let y)): return compareIntDouble(x, y)
        case (.float(let x), .int(let y)): return compareIntDouble(y, x).map { -$0 }
        case (.float(let x), .float(let y)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        }
    }

    /// Exact int/float comparison, like CPython (no rounding of large ints).
    private static func compareIntDouble(_ i: Int, _ d: Double) -> Int? {
        if d.isNaN { return nil }
        if d >= 9.3e18 { return -1 }
        if d <= -9.3e18 { return 1 }
        let t = d.rounded(.towardZero)
        let ti = Int(t)
        if i != ti { return i < ti ? -1 : 1 }
        let frac = d - t
        return frac > 0 ? -1 : (frac < 0 ? 1 : 0)
    }
}

extension Value {
    /// The numeric view of bool, int and float values.
    var numeric: Numeric? {
        switch self {
        case .bool(let b): return .int(b ? 1 : 0)
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        default: return nil
        }
    }

    init(_ n: Numeric) {
        switch n {
        case .int(let i): self = .int(i)
        case .float(let d): self = .float(d)
        }
    }
}

extension Array {
    /// Address of the element storage of a non-empty array (stable while the array is alive and unmodified).
    var storageIdentity: UInt? {
        withUnsafeBufferPointer { $0.baseAddress.map { UInt(bitPattern: $0) } }
    }
}
