import Foundation

/// Global functions: Jinja2's `range`, `dict`, `namespace` and transformers' `raise_exception`, `strftime_now`.
enum Builtin: String, Sendable, CaseIterable {
    case range
    case dict
    case namespace
    case raiseException = "raise_exception"
    case strftimeNow = "strftime_now"

    private static let values: [String: Value] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0.rawValue, Value.callable(Callable(.builtin($0)))) })

    /// The global bound to `name`, if any (context variables shadow these).
    static func global(_ name: String) -> Value? { values[name] }
}

extension Interpreter {
    func callBuiltin(_ b: Builtin, _ pos: [Value], _ kw: [(String, Value)]) throws -> Value {
        switch b {
        case .range:
            guard kw.isEmpty, (1...3).contains(pos.count) else { throw runtime("range expected 1 to 3 integer arguments") }
            let ints = try pos.map { v -> Int in
                guard let i = v.indexValue else { throw runtime("'\(v.typeName)' object cannot be interpreted as an integer") }
                return i
            }
            let (start, stop, stepBy) = ints.count == 1 ? (0, ints[0], 1) : (ints[0], ints[1], ints.count == 3 ? ints[2] : 1)
            guard stepBy != 0 else { throw runtime("range() arg 3 must not be zero") }
            // Count first so a huge range fails before anything is allocated.
            let span = stepBy > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
            let count = span <= 0 ? 0 : Int(min((span / Double(stepBy.magnitude)).rounded(.up), 1e18))
            // jinja2's sandbox replaces range with safe_range, capped at MAX_RANGE.
            if count > 100_000 {
                throw runtime("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).")
            }
            try checkCount(count)
            try work(count)
            return .list((0..<count).map { .int(start + $0 * stepBy) })
        case .dict:
            var d = OrderedDict()
            if let first = pos.first {
                guard pos.count == 1 else { throw runtime("dict expected at most 1 argument") }
                d = try mapping(from: first)
            }
            for (k, v) in kw { d[k] = v }
            let result = Value.dict(d)
            try noteNesting(of: result, containing: d.values)
            return result
        case .namespace:
            var d = OrderedDict()
            if let first = pos.first {
                guard pos.count == 1 else { throw runtime("namespace expected at most 1 positional argument") }
                d = try mapping(from: first)
            }
            for (k, v) in kw { d[k] = v }
            let ns = Namespace(d)
            namespaces.append(ns)
            try noteNesting(of: .namespace(ns), containing: d.values)
            return .namespace(ns)
        case .raiseException:
            throw TemplateError.raised(pos.first?.pythonString ?? kw.first?.1.pythonString ?? "")
        case .strftimeNow:
            guard let fmt = pos.first ?? kw.first(where: { $0.0 == "format" })?.1, case .string(let f) = fmt else {
                throw runtime("strftime_now() argument must be str")
            }
            return .string(Strftime.format(f, date: now, timeZone: timeZone))
        }
    }

    /// `dict(x)`: a mapping, or an iterable of key/value pairs.
    private func mapping(from v: Value) throws -> OrderedDict {
        switch v {
        case .dict(let d): return d
        case .namespace(let ns): return ns.attributes
        case .list(let pairs), .tuple(let pairs):
            var d = OrderedDict()
            for p in pairs {
                guard let kv = p.sequenceItems, kv.count == 2 else {
                    throw runtime("dictionary update sequence element has wrong length")
                }
                guard kv[0].isHashable else { throw runtime("unhashable type: '\(kv[0].typeName)'") }
                d[kv[0]] = kv[1]
            }
            return d
        default:
            throw runtime("'\(v.typeName)' object is not iterable")
        }
    }
}
