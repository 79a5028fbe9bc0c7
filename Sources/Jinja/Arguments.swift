/// Positional and keyword arguments of a filter, test or method call, read Python-style by position or name.
struct Arguments {
    let positional: [Value]
    let keywords: [(String, Value)]
    let function: String

    init(_ positional: [Value], _ keywords: [(String, Value)], function: String) {
        self.positional = positional
        self.keywords = keywords
        self.function = function
    }

    func fail(_ message: String) -> TemplateError { .runtime(message: "\(function): \(message)", line: 0) }

    /// Rejects more than `count` positional arguments or keywords outside `names`.
    func check(max count: Int, names: [String] = []) throws {
        if positional.count > count { throw fail("takes at most \(count) argument(s) (\(positional.count) given)") }
        for (k, _) in keywords where !names.contains(k) { throw fail("unexpected keyword argument '\(k)'") }
    }

    /// The argument at `index` or named `name`.
    func value(_ index: Int, _ name: String) -> Value? {
        if index >= 0, index < positional.count { return positional[index] }
        return keywords.last(where: { $0.0 == name })?.1
    }

    func required(_ index: Int, _ name: String) throws -> Value {
        guard let v = value(index, name) else { throw fail("missing required argument '\(name)'") }
        return v
    }

    func string(_ index: Int, _ name: String) throws -> String? {
        guard let v = value(index, name) else { return nil }
        if case .none = v { return nil }
        guard case .string(let s) = v else { throw fail("argument '\(name)' must be str, not \(v.typeName)") }
        return s
    }

    func int(_ index: Int, _ name: String) throws -> Int? {
        guard let v = value(index, name) else { return nil }
        if case .none = v { return nil }
        guard let i = v.indexValue else { throw fail("argument '\(name)' must be int, not \(v.typeName)") }
        return i
    }

    func bool(_ index: Int, _ name: String, default dflt: Bool) -> Bool {
        value(index, name)?.isTruthy ?? dflt
    }
}
