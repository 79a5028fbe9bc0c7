/// `allOf` (and keywords beside `$ref` or `anyOf`) as one schema: the conjunction of the members' keywords. Object
/// members merge property by property with JSON Schema's meaning: a property one member lists and another does not
/// must also satisfy the other's `additionalProperties` (so `false` there drops it).
extension SchemaCompiler {
    func merge(_ a: SchemaNode, _ b: SchemaNode) throws(GrammarError) -> SchemaNode {
        switch (a, b) {
        case (.nothing, _), (_, .nothing): return .nothing
        case (.anything, let x), (let x, .anything): return x
        case let (.object(x), .object(y)): return try merge(x, y)
        }
    }

    /// The schema with its `$ref` and `allOf` folded in (an `anyOf` may remain).
    private func flatten(_ o: SchemaObject, depth: Int) throws(GrammarError) -> SchemaNode {
        if depth > GrammarLimits.maxRefDepth {
            throw .tooComplex("allOf/$ref merging nested more than \(GrammarLimits.maxRefDepth) deep")
        }
        try budget.addSchemaNode()
        if let ref = o.ref {
            guard ref.hasPrefix("#") else { throw .unsupportedKeyword("$ref to another document (\(ref))", path: o.path) }
            let pointer = ref == "#/" ? "#" : ref
            var rest = o
            rest.ref = nil
            let target = try resolve(pointer, path: o.path)
            guard case .object(let t) = target else { return try merge(target, .object(rest)) }
            let flat = try flatten(t, depth: depth + 1)
            return try merge(flat, try flatten(rest, depth: depth + 1), depth: depth + 1)
        }
        if let all = o.allOf {
            var rest = o
            rest.allOf = nil
            var result = SchemaNode.object(rest)
            for member in all {
                guard case .object(let m) = member else {
                    result = try merge(result, member)
                    continue
                }
                result = try merge(result, try flatten(m, depth: depth + 1), depth: depth + 1)
            }
            return result
        }
        return .object(o)
    }

    private func merge(_ a: SchemaNode, _ b: SchemaNode, depth: Int) throws(GrammarError) -> SchemaNode {
        switch (a, b) {
        case (.nothing, _), (_, .nothing): return .nothing
        case (.anything, let x), (let x, .anything): return x
        case let (.object(x), .object(y)): return try merge(x, y, depth: depth)
        }
    }

    private func merge(_ x0: SchemaObject, _ y0: SchemaObject, depth: Int = 0) throws(GrammarError) -> SchemaNode {
        let fx = try flatten(x0, depth: depth)
        let fy = try flatten(y0, depth: depth)
        guard case .object(let x) = fx, case .object(let y) = fy else { return try merge(fx, fy, depth: depth + 1) }
        var r = SchemaObject(path: x.path)

        switch (x.anyOf, y.anyOf) {
        case let (a?, b?):
            if a.count * b.count > 64 { throw .tooComplex("allOf of anyOf lists with more than 64 combinations") }
            var options: [SchemaNode] = []
            for p in a { for q in b { options.append(try merge(p, q, depth: depth + 1)) } }
            r.anyOf = options
        case let (a?, nil): r.anyOf = a
        case let (nil, b?): r.anyOf = b
        case (nil, nil): break
        }

        switch (x.types, y.types) {
        case let (a?, b?):
            let t = a.meet(b)
            if t.isEmpty { return .nothing }
            r.types = t.contains(.number) ? t.subtracting(.integer).union(.number) : t
        case let (a, b): r.types = a ?? b
        }

        switch (x.enumValues, y.enumValues) {
        case let (a?, b?):
            let keep = Set(b.map(\.canonicalText))
            r.enumValues = a.filter { keep.contains($0.canonicalText) }
        case let (a, b): r.enumValues = a ?? b
        }

        if x.properties != nil || y.properties != nil {
            var keys: [String] = []
            for k in (x.properties ?? []).map(\.key) + (y.properties ?? []).map(\.key) where !keys.contains(k) { keys.append(k) }
            var merged: [(key: String, schema: SchemaNode)] = []
            for key in keys {
                let sx = x.properties?.first { $0.key == key }?.schema ?? x.additionalProperties ?? .anything
                let sy = y.properties?.first { $0.key == key }?.schema ?? y.additionalProperties ?? .anything
                merged.append((key, try merge(sx, sy, depth: depth + 1)))
            }
            r.properties = merged
        }
        r.required = x.required + y.required.filter { !x.required.contains($0) }
        r.additionalProperties = try combine(x.additionalProperties, y.additionalProperties, depth: depth)

        switch (x.prefixItems, y.prefixItems) {
        case (_?, _?):
            throw .unsupportedKeyword("prefixItems in more than one allOf member", path: y.path)
        case let (p?, nil):
            var out: [SchemaNode] = []
            for item in p { out.append(try merge(item, y.items ?? .anything, depth: depth + 1)) }
            r.prefixItems = out
        case let (nil, p?):
            var out: [SchemaNode] = []
            for item in p { out.append(try merge(x.items ?? .anything, item, depth: depth + 1)) }
            r.prefixItems = out
        case (nil, nil): break
        }
        r.items = try combine(x.items, y.items, depth: depth)
        r.minItems = max(x.minItems, y.minItems)
        r.maxItems = smaller(x.maxItems, y.maxItems)
        r.minLength = max(x.minLength, y.minLength)
        r.maxLength = smaller(x.maxLength, y.maxLength)
        r.patterns = x.patterns + y.patterns.filter { !x.patterns.contains($0) }
        r.formats = x.formats + y.formats.filter { !x.formats.contains($0) }
        r.minimum = NumericBound.stronger(x.minimum, y.minimum, lower: true)
        r.maximum = NumericBound.stronger(x.maximum, y.maximum, lower: false)
        return .object(r)
    }

    private func combine(_ a: SchemaNode?, _ b: SchemaNode?, depth: Int) throws(GrammarError) -> SchemaNode? {
        guard let a else { return b }
        guard let b else { return a }
        return try merge(a, b, depth: depth + 1)
    }

    private func smaller(_ a: Int?, _ b: Int?) -> Int? {
        guard let a else { return b }
        guard let b else { return a }
        return min(a, b)
    }
}
