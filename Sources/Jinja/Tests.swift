/// Jinja2's builtin tests (`x is name(args)`), jinja2 3.1 `tests.py` semantics.
extension Interpreter {
    func applyTest(_ name: String, _ value: Value, _ pos: [Value], _ kw: [(String, Value)]) throws -> Bool {
        let args = Arguments(pos, kw, function: "test '\(name)'")
        func other() throws -> Value { try args.required(0, "other") }
        switch name {
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "boolean": if case .bool = value { return true } else { return false }
        case "false": return value == .bool(false) && value.isBool
        case "true": return value == .bool(true) && value.isBool
        case "integer": if case .int = value { return true } else { return false }
        case "float": if case .float = value { return true } else { return false }
        case "number": return value.numeric != nil
        case "string": return value.stringValue != nil
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable": return value.isIterable
        case "sequence":
            switch value {
            case .string, .list, .tuple, .dict, .undefined: return true
            default: return false
            }
        case "callable":
            // Undefined defines __call__ (to raise), so Python's callable() is true for it.
            switch value {
            case .callable, .loop, .undefined: return true
            default: return false
            }
        case "sameas":
            let o = try other()
            switch (value, o) {
            case (.none, .none), (.undefined, .undefined): return true
            case (.bool(let a), .bool(let b)): return a == b
            case (.namespace(let a), .namespace(let b)): return a === b
            case (.callable(let a), .callable(let b)): return a === b
            case (.int(let a), .int(let b)): return a == b && (-5...256).contains(a)  // CPython's small-int cache
            default: return false
            }
        case "eq", "equalto", "==": return try equal(value, try other())
        case "ne", "!=": return !(try equal(value, try other()))
        case "lt", "lessthan", "<": return try compare(.lt, value, try other())
        case "le", "<=": return try compare(.lteq, value, try other())
        case "gt", "greaterthan", ">": return try compare(.gt, value, try other())
        case "ge", ">=": return try compare(.gteq, value, try other())
        case "in": return try contains(try args.required(0, "seq"), value)
        case "odd": return try equal(try binary(.mod, value, .int(2)), .int(1))
        case "even": return try equal(try binary(.mod, value, .int(2)), .int(0))
        case "divisibleby": return try equal(try binary(.mod, value, try args.required(0, "num")), .int(0))
        case "lower", "upper":
            // str(value).islower()/.isupper(): some cased character, and none of the other case.
            let cased = value.pythonString.unicodeScalars.filter { $0.properties.isCased }
            guard !cased.isEmpty else { return false }
            return cased.allSatisfy {
                name == "lower" ? !$0.properties.changesWhenLowercased : !$0.properties.changesWhenUppercased
            }
        case "escaped": return false
        case "filter", "test":
            guard case .string(let n) = value else { return false }
            return name == "filter" ? Self.filterNames.contains(n) : Self.testNames.contains(n)
        default:
            throw runtime("No test named '\(name)'.")
        }
    }

    static let testNames: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string", "mapping",
        "iterable", "sequence", "callable", "sameas", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<", "le",
        "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "odd", "even", "divisibleby", "lower", "upper", "escaped",
        "filter", "test",
    ]

    static let filterNames: Set<String> = [
        "trim", "tojson", "string", "safe", "e", "escape", "forceescape", "lower", "upper", "capitalize", "title",
        "replace", "indent", "center", "wordcount", "truncate", "format", "default", "d", "int", "float", "abs", "round",
        "attr", "length", "count", "items", "list", "join", "first", "last", "reverse", "select", "reject",
        "selectattr", "rejectattr", "map", "unique", "dictsort", "sort", "batch", "min", "max", "sum",
    ]
}

extension Value {
    var isBool: Bool {
        if case .bool = self { return true }
        return false
    }
}
