/// Which receiver types have a method of a given name (precomputed per attribute name).
struct MethodKinds: OptionSet, Sendable {
    let rawValue: UInt8
    static let string = MethodKinds(rawValue: 1)
    static let dict = MethodKinds(rawValue: 2)
    static let dictMutating = MethodKinds(rawValue: 4)
    static let list = MethodKinds(rawValue: 8)
    static let listMutating = MethodKinds(rawValue: 16)
    static let tuple = MethodKinds(rawValue: 32)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ name: String) {
        var k: MethodKinds = []
        if Methods.string.contains(name) { k.insert(.string) }
        if Methods.dict.contains(name) { k.insert(.dict) }
        if Methods.dictMutating.contains(name) { k.insert(.dictMutating) }
        if Methods.list.contains(name) { k.insert(.list) }
        if Methods.listMutating.contains(name) { k.insert(.listMutating) }
        if Methods.tuple.contains(name) { k.insert(.tuple) }
        self = k
    }
}

/// Read-only methods of str, dict and list (and `loop.cycle`/`loop.changed`) callable from templates.
/// Mutating methods exist but raise, as in jinja2's ImmutableSandboxedEnvironment.
enum Methods {
    static let string: Set<String> = [
        "capitalize", "casefold", "center", "count", "endswith", "find", "format", "index", "isalnum", "isalpha",
        "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "ljust",
        "lower", "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust",
        "rpartition", "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper",
        "zfill", "encode", "expandtabs", "format_map", "isidentifier", "isprintable", "maketrans", "translate",
    ]
    static let dict: Set<String> = ["get", "items", "keys", "values", "copy", "fromkeys"]
    static let dictMutating: Set<String> = ["update", "pop", "popitem", "setdefault", "clear"]
    static let list: Set<String> = ["index", "count", "copy"]
    static let listMutating: Set<String> = ["append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"]
    static let tuple: Set<String> = ["index", "count"]

    static func isMethod(_ v: Value, _ kinds: MethodKinds) -> Bool {
        guard !kinds.isEmpty else { return false }
        switch v {
        case .string: return kinds.contains(.string)
        case .dict: return !kinds.isDisjoint(with: [.dict, .dictMutating])
        case .list: return !kinds.isDisjoint(with: [.list, .listMutating])
        case .tuple: return kinds.contains(.tuple)
        default: return false
        }
    }

    static func isMethod(_ v: Value, _ name: String) -> Bool { isMethod(v, MethodKinds(name)) }

    static func isMutating(_ v: Value, _ kinds: MethodKinds) -> Bool {
        switch v {
        case .dict: return kinds.contains(.dictMutating)
        case .list: return kinds.contains(.listMutating)
        default: return false
        }
    }
}

extension Interpreter {
    func callMethod(_ receiver: Value, _ name: String, _ pos: [Value], _ kw: [(String, Value)]) throws -> Value {
        if Methods.isMutating(receiver, MethodKinds(name)) {
            throw runtime("SecurityError: access to attribute '\(name)' of '\(receiver.typeName)' object is unsafe (the sandbox is immutable)")
        }
        let args = Arguments(pos, kw, function: "\(receiver.typeName).\(name)")
        try work(receiver.bulkSize)
        switch receiver {
        case .string(let s): return try stringMethod(s, name, args)
        case .dict(let d): return try dictMethod(d, name, args)
        case .list(let l), .tuple(let l): return try listMethod(l, name, args)
        case .loop(let ctx): return try loopMethod(ctx, name, args)
        default: throw runtime("'\(receiver.typeName)' object has no method '\(name)'")
        }
    }

    private func loopMethod(_ ctx: LoopContext, _ name: String, _ args: Arguments) throws -> Value {
        if name == "cycle" {
            guard !args.positional.isEmpty else { throw args.fail("no items for cycling given") }
            return args.positional[ctx.index0 % args.positional.count]
        }
        let values = args.positional
        if let last = ctx.lastChanged, try equal(.list(last), .list(values)) { return .bool(false) }
        ctx.lastChanged = values
        return .bool(true)
    }

    private func dictMethod(_ d: OrderedDict, _ name: String, _ args: Arguments) throws -> Value {
        switch name {
        case "get":
            try args.check(max: 2)
            let key = try args.required(0, "key")
            guard key.isHashable else { throw args.fail("unhashable type: '\(key.typeName)'") }
            return d[key] ?? args.value(1, "default") ?? .none
        case "items":
            try args.check(max: 0)
            let pairs = zip(d.keys, d.values).map { Value.tuple([$0, $1]) }
            let v = Value.list(pairs)
            try noteNesting(of: v, containing: pairs)
            return v
        case "keys":
            try args.check(max: 0)
            return .list(d.keys)
        case "values":
            try args.check(max: 0)
            return .list(d.values)
        case "copy":
            try args.check(max: 0)
            return .dict(d)
        default:
            throw args.fail("not supported")
        }
    }

    private func listMethod(_ l: [Value], _ name: String, _ args: Arguments) throws -> Value {
        switch name {
        case "count":
            try args.check(max: 1)
            let x = try args.required(0, "value")
            var n = 0
            for item in l where try equal(item, x) { n += 1 }
            return .int(n)
        case "index":
            try args.check(max: 3)
            let x = try args.required(0, "value")
            let (a, b) = Python.bounds(try args.int(1, "start"), try args.int(2, "stop"), count: l.count)
            if a < b, let i = try l[a..<b].firstIndex(where: { try equal($0, x) }) { return .int(i) }
            throw args.fail("\(PythonRepr.repr(x)) is not in list")
        case "copy":
            return .list(l)
        default:
            throw args.fail("not supported")
        }
    }

    private func stringMethod(_ s: String, _ name: String, _ args: Arguments) throws -> Value {
        switch name {
        case "strip", "lstrip", "rstrip":
            try args.check(max: 1, names: ["chars"])
            let chars = try args.string(0, "chars")
            return .string(Python.strip(s, chars, left: name != "rstrip", right: name != "lstrip"))
        case "split", "rsplit":
            try args.check(max: 2, names: ["sep", "maxsplit"])
            let sep = try args.string(0, "sep")
            if sep == "" { throw args.fail("empty separator") }
            let maxsplit = try args.int(1, "maxsplit") ?? -1
            let parts = name == "split" ? Python.split(s, sep, maxsplit: maxsplit) : Python.rsplit(s, sep, maxsplit: maxsplit)
            return .list(parts.map { .string($0) })
        case "splitlines":
            return .list(Python.splitlines(s, keepends: args.bool(0, "keepends", default: false)).map { .string($0) })
        case "startswith", "endswith":
            try args.check(max: 3)
            let prefixArg = try args.required(0, name == "startswith" ? "prefix" : "suffix")
            let candidates: [Value]
            if case .tuple(let l) = prefixArg { candidates = l } else { candidates = [prefixArg] }
            let hay = Python.scalars(s)
            let (a, b) = Python.bounds(try args.int(1, "start"), try args.int(2, "end"), count: hay.count)
            for c in candidates {
                guard case .string(let p) = c else {
                    throw args.fail("first arg must be str or a tuple of str, not \(c.typeName)")
                }
                let needle = Python.scalars(p)
                guard a <= b, needle.count <= b - a else { continue }
                let window = name == "startswith" ? hay[a..<(a + needle.count)] : hay[(b - needle.count)..<b]
                if window.elementsEqual(needle) { return .bool(true) }
            }
            return .bool(false)
        case "upper": return .string(Python.upper(s))
        case "lower": return .string(Python.lower(s))
        case "casefold": return .string(Python.casefold(s))
        case "title": return .string(Python.title(s))
        case "capitalize": return .string(Python.capitalize(s))
        case "swapcase": return .string(Python.swapcase(s))
        case "replace":
            try args.check(max: 3, names: ["count"])
            guard let old = try args.string(0, "old"), let new = try args.string(1, "new") else {
                throw args.fail("replace() takes at least 2 arguments")
            }
            let out = Python.replace(s, old, new, count: try args.int(2, "count") ?? -1)
            try checkSize(out)
            return .string(out)
        case "find", "rfind", "index", "rindex", "count":
            try args.check(max: 3)
            guard let sub = try args.string(0, "sub") else { throw args.fail("missing substring") }
            let hay = Python.scalars(s), needle = Python.scalars(sub)
            let (a, b) = Python.bounds(try args.int(1, "start"), try args.int(2, "end"), count: hay.count)
            if name == "count" { return .int(Python.count(hay, needle, from: a, to: b)) }
            let found = name.hasPrefix("r") ? Python.rfind(hay, needle, from: a, to: b) : Python.find(hay, needle, from: a, to: b)
            if let found { return .int(found) }
            if name.hasSuffix("index") { throw args.fail("substring not found") }
            return .int(-1)
        case "join":
            try args.check(max: 1)
            let items = try iterate(try args.required(0, "iterable"), context: "str.join")
            var parts: [String] = []
            for (i, item) in items.enumerated() {
                guard case .string(let p) = item else {
                    throw args.fail("sequence item \(i): expected str instance, \(item.typeName) found")
                }
                parts.append(p)
            }
            let out = parts.joined(separator: s)
            try checkSize(out)
            return .string(out)
        case "center", "ljust", "rjust":
            try args.check(max: 2)
            guard let width = try args.int(0, "width") else { throw args.fail("missing width") }
            let fillString = try args.string(1, "fillchar") ?? " "
            guard fillString.unicodeScalars.count == 1, let fill = fillString.unicodeScalars.first else {
                throw args.fail("The fill character must be exactly one character long")
            }
            try checkCount(width)
            let n = s.unicodeScalars.count
            guard width > n else { return .string(s) }
            if name == "center" { return .string(Python.center(s, width, fill)) }
            let padding = Python.string(repeatElement(fill, count: width - n))
            return .string(name == "ljust" ? s + padding : padding + s)
        case "zfill":
            guard let width = try args.int(0, "width") else { throw args.fail("missing width") }
            try checkCount(width)
            let scalars = Python.scalars(s)
            guard width > scalars.count else { return .string(s) }
            let zeros = String(repeating: "0", count: width - scalars.count)
            if let first = scalars.first, first == "+" || first == "-" {
                return .string(String(first) + zeros + Python.string(scalars.dropFirst()))
            }
            return .string(zeros + s)
        case "removeprefix", "removesuffix":
            guard let affix = try args.string(0, name == "removeprefix" ? "prefix" : "suffix") else {
                throw args.fail("missing argument")
            }
            let hay = Python.scalars(s), a = Python.scalars(affix)
            if name == "removeprefix", hay.starts(with: a) { return .string(Python.string(hay.dropFirst(a.count))) }
            if name == "removesuffix", !a.isEmpty, hay.count >= a.count, hay.suffix(a.count).elementsEqual(a) {
                return .string(Python.string(hay.dropLast(a.count)))
            }
            return .string(s)
        case "partition", "rpartition":
            guard let sep = try args.string(0, "sep"), !sep.isEmpty else { throw args.fail("empty separator") }
            let hay = Python.scalars(s), needle = Python.scalars(sep)
            let found = name == "partition" ? Python.find(hay, needle) : Python.rfind(hay, needle)
            guard let i = found else {
                return .tuple(name == "partition" ? [.string(s), "", ""] : ["", "", .string(s)])
            }
            return .tuple([.string(Python.string(hay[..<i])), .string(sep),
                          .string(Python.string(hay[(i + needle.count)...]))])
        case "format", "format_map":
            var keywords = args.keywords
            if name == "format_map" {
                guard args.positional.count == 1, case .dict(let d) = args.positional[0] else {
                    throw args.fail("format_map() takes one mapping argument")
                }
                keywords = zip(d.keys, d.values).compactMap { k, v in k.stringValue.map { ($0, v) } }
            }
            let out = try StrFormat.format(s, name == "format" ? args.positional : [], keywords, interpreter: self)
            try checkSize(out)
            return .string(out)
        case "isdigit", "isdecimal", "isnumeric":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy {
                name == "isnumeric" ? $0.properties.numericType != nil : Python.isDigit($0)
            })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(Python.isAlpha))
        case "isalnum":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { Python.isAlpha($0) || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(isPythonSpace))
        case "isascii": return .bool(s.unicodeScalars.allSatisfy(\.isASCII))
        case "islower", "isupper":
            let cased = s.unicodeScalars.filter { $0.properties.isCased }
            guard !cased.isEmpty else { return .bool(false) }
            return .bool(cased.allSatisfy { name == "islower" ? !$0.properties.changesWhenLowercased : !$0.properties.changesWhenUppercased })
        case "istitle":
            return .bool(!s.isEmpty && Python.title(s) == s && s.unicodeScalars.contains { $0.properties.isCased })
        case "isprintable": return .bool(s.unicodeScalars.allSatisfy(PythonRepr.isPrintable))
        case "isidentifier":
            guard let first = s.unicodeScalars.first else { return .bool(false) }
            return .bool((first == "_" || first.properties.isXIDStart)
                && s.unicodeScalars.dropFirst().allSatisfy { $0 == "_" || $0.properties.isXIDContinue })
        default:
            throw args.fail("not supported by this template engine")
        }
    }
}
