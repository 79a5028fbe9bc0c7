/// Filters over sequences and mappings (jinja2 3.1 `filters.py`); those that return Python generators
/// (select, map, unique, items, batch, reverse) return one-shot iterators.
extension Interpreter {
    /// Applies `name` if it is a sequence filter; nil otherwise.
    func sequenceFilter(_ name: String, _ value: Value, _ args: Arguments) throws -> Value? {
        switch name {
        case "length", "count":
            switch value {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .list(let a), .tuple(let a): return .int(a.count)
            case .dict(let d): return .int(d.count)
            case .undefined: return .int(0)
            default: throw args.fail("object of type '\(value.typeName)' has no len()")
            }
        case "items":
            switch value {
            case .undefined: return .iterator(ValueIterator([], function: "do_items"))
            case .dict(let d):
                let pairs = zip(d.keys, d.values).map { Value.tuple([$0, $1]) }
                let v = Value.iterator(ValueIterator(pairs, function: "do_items"))
                try noteNesting(of: v, containing: pairs)
                return v
            default: throw args.fail("Can only get item pairs from a mapping.")
            }
        case "list":
            return .list(try iterate(value, context: "list filter"))
        case "join":
            try args.check(max: 2, names: ["d", "attribute"])
            var items = try iterate(value, context: "join filter")
            try step(items.count)
            if let attribute = args.value(1, "attribute") {
                let getter = try attributeGetter(attribute)
                items = try items.map { try getter($0) }
            }
            let separator = args.value(0, "d")?.pythonString ?? ""
            let out = try items.map { try printable($0) }.joined(separator: separator)
            try checkSize(out)
            return .string(out)
        case "first":
            if case .iterator(let it) = value { return it.next() ?? .undefined }
            return try iterate(value, context: "first filter").first ?? .undefined
        case "last":
            switch value {
            case .undefined: return .undefined
            case .iterator(let it): throw args.fail("'\(it.typeName)' object is not reversible")
            default: return try iterate(value, context: "last filter").last ?? .undefined
            }
        case "reverse":
            switch value {
            case .undefined: return .iterator(ValueIterator([], typeName: "reversed", function: ""))
            case .string(let s): return .string(Python.string(s.unicodeScalars.reversed()))
            case .list(let a): return .iterator(ValueIterator(a.reversed(), typeName: "list_reverseiterator", function: ""))
            case .tuple(let a): return .iterator(ValueIterator(a.reversed(), typeName: "reversed", function: ""))
            case .dict(let d):
                return .iterator(ValueIterator(d.keys.reversed(), typeName: "dict_reversekeyiterator", function: ""))
            default: return .list(try iterate(value, context: "reverse filter").reversed())
            }
        case "select", "reject", "selectattr", "rejectattr":
            let items = value.isTruthy ? try iterate(value, context: name) : []
            try step(items.count)
            let byAttribute = name.hasSuffix("attr")
            let keep = name.hasPrefix("select")
            let getter = byAttribute ? try attributeGetter(try args.required(0, "attribute")) : { $0 }
            let offset = byAttribute ? 1 : 0
            let testName = args.positional.count > offset ? args.positional[offset] : nil
            let testArgs = Array(args.positional.dropFirst(offset + 1))
            return .iterator(ValueIterator(try items.filter { item in
                let subject = try getter(item)
                guard let testName else { return subject.isTruthy == keep }
                guard case .string(let test) = testName else { throw args.fail("test name must be a string") }
                return try applyTest(test, subject, testArgs, args.keywords) == keep
            }, function: "select_or_reject"))
        case "map":
            let items = value.isTruthy ? try iterate(value, context: "map filter") : []
            try step(items.count)
            if args.positional.isEmpty, let attribute = args.keywords.last(where: { $0.0 == "attribute" })?.1 {
                let fallback = args.keywords.last(where: { $0.0 == "default" })?.1
                let getter = try attributeGetter(attribute, default: fallback)
                return .iterator(ValueIterator(try items.map { try getter($0) }, function: "do_map"))
            }
            guard case .string(let filterName)? = args.positional.first else {
                throw args.fail("map requires a filter argument")
            }
            let inner = Arguments(Array(args.positional.dropFirst()), args.keywords, function: filterName)
            return .iterator(ValueIterator(try items.map { try filter(filterName, $0, inner) }, function: "do_map"))
        case "unique":
            try args.check(max: 2, names: ["case_sensitive", "attribute"])
            let items = try iterate(value, context: "unique filter")
            try step(items.count)
            let caseSensitive = args.bool(0, "case_sensitive", default: false)
            let getter = try attributeGetter(args.value(1, "attribute") ?? .none, lowercase: !caseSensitive)
            var seen: [Value] = []
            var seenStrings = Set<[UInt8]>()
            var out: [Value] = []
            for item in items {
                let key = try getter(item)
                if case .string(let s) = key {
                    // Python string equality is code-point equality; hash the scalars, not the canonical form.
                    if seenStrings.insert(Array(s.utf8)).inserted { out.append(item) }
                } else if try !seen.contains(where: { try equal($0, key) }) {
                    seen.append(key)
                    out.append(item)
                }
            }
            return .iterator(ValueIterator(out, function: "do_unique"))
        case "dictsort":
            try args.check(max: 3, names: ["case_sensitive", "by", "reverse"])
            guard case .dict(let d) = value else { throw args.fail("dictsort requires a mapping") }
            let by = try args.string(1, "by") ?? "key"
            guard by == "key" || by == "value" else { throw args.fail("You can only sort by either \"key\" or \"value\"") }
            let caseSensitive = args.bool(0, "case_sensitive", default: false)
            let pairs = zip(d.keys, d.values).map { Value.tuple([$0, $1]) }
            let sorted = try sortValues(pairs, reverse: args.bool(2, "reverse", default: false)) { pair in
                guard let kv = pair.sequenceItems else { return pair }
                let v = kv[by == "key" ? 0 : 1]
                return caseSensitive ? v : lowercased(v)
            }
            let result = Value.list(sorted)
            try noteNesting(of: result, containing: sorted)
            return result
        case "sort":
            try args.check(max: 3, names: ["reverse", "case_sensitive", "attribute"])
            let items = try iterate(value, context: "sort filter")
            let caseSensitive = args.bool(1, "case_sensitive", default: false)
            var getters: [(Value) throws -> Value] = []
            if case .string(let attrs)? = args.value(2, "attribute") {
                getters = try attrs.split(separator: ",").map {
                    try attributeGetter(.string(String($0)), lowercase: !caseSensitive)
                }
            } else {
                getters = [try attributeGetter(args.value(2, "attribute") ?? .none, lowercase: !caseSensitive)]
            }
            return .list(try sortValues(items, reverse: args.bool(0, "reverse", default: false)) { item in
                getters.count == 1 ? try getters[0](item) : .tuple(try getters.map { try $0(item) })
            })
        case "batch":
            try args.check(max: 2, names: ["linecount", "fill_with"])
            guard let size = try args.int(0, "linecount"), size > 0 else { throw args.fail("linecount must be positive") }
            let items = try iterate(value, context: "batch filter")
            let fill = args.value(1, "fill_with").flatMap { $0 == .none ? nil : $0 }
            var batches: [Value] = []
            var i = 0
            while i < items.count {
                var chunk = Array(items[i..<min(i + size, items.count)])
                if let fill, chunk.count < size {
                    try checkCount(size)
                    chunk += Array(repeating: fill, count: size - chunk.count)
                }
                batches.append(.list(chunk))
                i += size
            }
            let result = Value.iterator(ValueIterator(batches, function: "do_batch"))
            try noteNesting(of: result, containing: batches)
            return result
        case "min", "max":
            try args.check(max: 2, names: ["case_sensitive", "attribute"])
            let items = try iterate(value, context: "\(name) filter")
            guard var best = items.first else { return .undefined }
            let getter = try attributeGetter(args.value(1, "attribute") ?? .none,
                                             lowercase: !args.bool(0, "case_sensitive", default: false))
            var bestKey = try getter(best)
            for item in items.dropFirst() {
                let key = try getter(item)
                let c = try order(key, bestKey, name == "min" ? .lt : .gt) ?? 0
                if name == "min" ? c < 0 : c > 0 {
                    best = item
                    bestKey = key
                }
            }
            return best
        case "sum":
            try args.check(max: 2, names: ["attribute", "start"])
            var items = try iterate(value, context: "sum filter")
            if let attribute = args.value(0, "attribute"), attribute != .none {
                let getter = try attributeGetter(attribute)
                items = try items.map { try getter($0) }
            }
            var total = args.value(1, "start") ?? .int(0)
            for item in items { total = try binary(.add, total, item) }
            return total
        default:
            return nil
        }
    }

    func lowercased(_ v: Value) -> Value {
        if case .string(let s) = v { return .string(Python.lower(s)) }
        return v
    }

    /// jinja2's `make_attrgetter`: dotted path of item lookups (digit parts index as ints).
    func attributeGetter(_ attribute: Value, default fallback: Value? = nil,
                         lowercase: Bool = false) throws -> (Value) throws -> Value {
        let parts: [Value]
        switch attribute {
        case .none: parts = []
        case .string(let s): parts = s.split(separator: ".", omittingEmptySubsequences: false).map { p in
            Int(p).map { .int($0) } ?? .string(String(p))
        }
        default: parts = [attribute]
        }
        return { [unowned self] item in
            var v = item
            for p in parts {
                v = try self.getItem(v, p)
                if let fallback, fallback != .none, v.isUndefined { v = fallback }
            }
            return lowercase ? self.lowercased(v) : v
        }
    }

    /// A stable sort by key, raising Python's TypeError for unorderable keys.
    func sortValues(_ items: [Value], reverse: Bool, key: (Value) throws -> Value) throws -> [Value] {
        try work(items.count * (Int.bitWidth - items.count.leadingZeroBitCount + 1) * 4)
        let keyed = try items.enumerated().map { ($0.offset, try key($0.element), $0.element) }
        let sorted = try keyed.sorted { a, b in
            let c = try order(a.1, b.1, .lt) ?? 0
            if c != 0 { return reverse ? c > 0 : c < 0 }
            return a.0 < b.0
        }
        return sorted.map { $0.2 }
    }
}
