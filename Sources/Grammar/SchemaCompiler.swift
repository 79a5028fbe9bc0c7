/// JSON Schema to grammar rules. Everything is inlined into the rule that uses it, so a rule is one big automaton
/// whose states each know their whole context (their token masks can be cached outright); only recursion (a `$ref`
/// to a schema being expanded) and the generic JSON value become rules of their own, reached by calls.
final class SchemaCompiler {
    /// What a rule's body is made from.
    enum Body {
        case schema(SchemaNode, pointer: String)
        /// Any JSON value (`{}`, `true`, an absent `items`).
        case genericValue
        /// Any JSON object: `response_format: json_object`.
        case genericObject
        /// Tool calls in a model's syntax.
        case calls(CallSyntax)
    }

    struct Rule {
        var name: String
        var body: Body
        var nfa: NFA
        var fragment: Fragment?
    }

    let root: JSONSchemaValue
    let budget: CompileBudget
    private(set) var rules: [Rule] = []
    private var refRules: [String: Int32] = [:]
    /// `$ref` pointers being inlined, innermost last: a `$ref` to one of them is recursion.
    private var expanding: [String] = []
    private var parsedRefs: [String: SchemaNode] = [:]
    private var genericValueRule: Int32?

    init(root: JSONSchemaValue, budget: CompileBudget) {
        self.root = root
        self.budget = budget
    }

    /// Compiles `root` (or `node`, a part of it, when validating enum values) into rules; rule 0 is the document.
    func compileRules(rootBody: Body) throws(GrammarError) -> [Rule] {
        _ = try addRule(name: "root", body: rootBody)
        if case .schema(_, let pointer) = rootBody, pointer == "#" { refRules["#"] = 0 }
        var next = 0
        while next < rules.count {
            try buildRule(next)
            next += 1
        }
        return rules
    }

    private func addRule(name: String, body: Body) throws(GrammarError) -> Int32 {
        if rules.count >= GrammarLimits.maxRules { throw .tooComplex("more than \(GrammarLimits.maxRules) recursive rules") }
        rules.append(Rule(name: name, body: body, nfa: NFA(budget: budget), fragment: nil))
        return Int32(rules.count - 1)
    }

    private func buildRule(_ index: Int) throws(GrammarError) {
        var nfa = rules[index].nfa
        let saved = expanding
        defer { expanding = saved }
        let fragment: Fragment?
        switch rules[index].body {
        case let .schema(node, pointer):
            expanding = [pointer]
            fragment = try compile(node, &nfa, depth: 0)
        case .genericValue:
            expanding = []
            fragment = try genericValue(&nfa, inline: true)
        case .genericObject:
            expanding = []
            fragment = try genericObject(&nfa)
        case .calls(let syntax):
            expanding = []
            fragment = try callSequence(syntax, &nfa)
        }
        rules[index].nfa = nfa
        rules[index].fragment = fragment
    }

    /// `node` (the schema at `pointer`) compiled with `pointer` as the one schema being expanded, so a `$ref` back
    /// to it is recursion.
    func compileExpanding(_ node: SchemaNode, pointer: String, _ nfa: inout NFA) throws(GrammarError) -> Fragment? {
        let saved = expanding
        defer { expanding = saved }
        expanding = [pointer]
        return try compile(node, &nfa, depth: 0)
    }

    // MARK: Dispatch

    func compile(_ node: SchemaNode, _ nfa: inout NFA, depth: Int) throws(GrammarError) -> Fragment? {
        switch node {
        case .anything: return try anyValue(&nfa)
        case .nothing: return nil
        case .object(let o): return try compile(o, &nfa, depth: depth)
        }
    }

    private func compile(_ o: SchemaObject, _ nfa: inout NFA, depth: Int) throws(GrammarError) -> Fragment? {
        try budget.addSchemaNode()
        if depth > GrammarLimits.maxSchemaDepth * 4 {
            throw .tooComplex("schemas nested more than \(GrammarLimits.maxSchemaDepth * 4) deep after $ref expansion")
        }
        if let ref = o.ref {
            let pointer = try normalize(ref, path: o.path)
            var rest = o
            rest.ref = nil
            if expanding.contains(pointer) {
                if rest.constrainsBeyondType || rest.types != nil || rest.enumValues != nil {
                    throw .unsupportedKeyword("keywords beside a recursive $ref", path: o.path)
                }
                return try nfa.callFragment(rule: try rule(for: pointer))
            }
            if expanding.count > GrammarLimits.maxRefDepth {
                throw .tooComplex("$ref expansions nested more than \(GrammarLimits.maxRefDepth) deep")
            }
            let target = try resolve(pointer, path: o.path)
            expanding.append(pointer)
            defer { expanding.removeLast() }
            let hasSiblings = rest.constrainsBeyondType || rest.types != nil || rest.enumValues != nil
            return try compile(hasSiblings ? try merge(target, .object(rest)) : target, &nfa, depth: depth + 1)
        }
        if let all = o.allOf {
            var merged = o
            merged.allOf = nil
            var result = SchemaNode.object(merged)
            for member in all { result = try merge(result, member) }
            return try compile(result, &nfa, depth: depth + 1)
        }
        if let any = o.anyOf {
            var rest = o
            rest.anyOf = nil
            let distribute = rest.constrainsBeyondType || rest.types != nil || rest.enumValues != nil
            var options: [Fragment] = []
            var seen: [String] = []
            for alternative in any {
                let option = distribute ? try merge(.object(rest), alternative) : alternative
                // Identical alternatives (often the same $ref twice) compile once.
                if !distribute, case .object(let a) = alternative, let ref = a.bareRef {
                    if seen.contains(ref) { continue }
                    seen.append(ref)
                }
                if let f = try compile(option, &nfa, depth: depth + 1) { options.append(f) }
            }
            return options.isEmpty ? nil : try nfa.alternation(options)
        }
        if let values = o.enumValues { return try enumeration(values, o, &nfa) }
        let types = o.types ?? o.impliedTypes ?? .all
        var options: [Fragment] = []
        if types.contains(.object), let f = try object(o, &nfa, depth: depth) { options.append(f) }
        if types.contains(.array), let f = try array(o, &nfa, depth: depth) { options.append(f) }
        if types.contains(.string), let f = try string(o, &nfa) { options.append(f) }
        if types.contains(.number) || types.contains(.integer),
           let f = try number(o, integer: !types.contains(.number), &nfa) { options.append(f) }
        if types.contains(.boolean) { options.append(try nfa.alternation([try nfa.literal("true"), try nfa.literal("false")])) }
        if types.contains(.null) { options.append(try nfa.literal("null")) }
        return options.isEmpty ? nil : try nfa.alternation(options)
    }

    // MARK: References

    /// A local `$ref` as a canonical JSON pointer ("#", "#/$defs/x").
    private func normalize(_ ref: String, path: String) throws(GrammarError) -> String {
        guard ref.hasPrefix("#") else {
            throw .unsupportedKeyword("$ref to another document (\(ref))", path: path)
        }
        if ref == "#" || ref == "#/" { return "#" }
        guard ref.hasPrefix("#/") else { throw .unsupportedKeyword("$ref to an anchor (\(ref))", path: path) }
        return ref
    }

    func resolve(_ pointer: String, path: String) throws(GrammarError) -> SchemaNode {
        if let known = parsedRefs[pointer] { return known }
        var value = root
        if pointer != "#" {
            for raw in pointer.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
                let segment = String(raw).replacingAll("%25", with: "%").replacingAll("~1", with: "/").replacingAll("~0", with: "~")
                switch value {
                case .object:
                    guard let next = value[segment] else {
                        throw .invalidSchema("$ref \(pointer) points nowhere", path: path)
                    }
                    value = next
                case .array(let items):
                    guard let i = Int(segment), i >= 0, i < items.count else {
                        throw .invalidSchema("$ref \(pointer) points nowhere", path: path)
                    }
                    value = items[i]
                default:
                    throw .invalidSchema("$ref \(pointer) points nowhere", path: path)
                }
            }
        }
        let node = try SchemaParser.parse(value, path: pointer, depth: 0)
        parsedRefs[pointer] = node
        return node
    }

    /// The rule of a recursive `$ref` target, created (and queued) on first use.
    private func rule(for pointer: String) throws(GrammarError) -> Int32 {
        if let known = refRules[pointer] { return known }
        let node = try resolve(pointer, path: pointer)
        let index = try addRule(name: pointer, body: .schema(node, pointer: pointer))
        refRules[pointer] = index
        return index
    }

    // MARK: Generic JSON

    /// Any JSON value at this point: scalars and one level of object/array inline, deeper values by calling the
    /// generic value rule (so the grammar stays small however deep the document goes).
    func anyValue(_ nfa: inout NFA) throws(GrammarError) -> Fragment {
        try genericValue(&nfa, inline: true)
    }

    private func genericValueCall(_ nfa: inout NFA) throws(GrammarError) -> Fragment {
        if genericValueRule == nil { genericValueRule = try addRule(name: "value", body: .genericValue) }
        return try nfa.callFragment(rule: genericValueRule ?? 0)
    }

    private func genericValue(_ nfa: inout NFA, inline: Bool) throws(GrammarError) -> Fragment {
        guard inline else { return try genericValueCall(&nfa) }
        var options: [Fragment] = []
        options.append(try genericContainer(object: true, &nfa))
        options.append(try genericContainer(object: false, &nfa))
        if let s = try Lexical.freeString(min: 0, max: nil, &nfa) { options.append(s) }
        options.append(try Lexical.fragment(Lexical.numberPattern, .raw, &nfa))
        options.append(try nfa.literal("true"))
        options.append(try nfa.literal("false"))
        options.append(try nfa.literal("null"))
        return try nfa.alternation(options)
    }

    private func genericObject(_ nfa: inout NFA) throws(GrammarError) -> Fragment {
        try genericContainer(object: true, &nfa, inlineMembers: true)
    }

    /// `{ "k": v, ... }` or `[ v, ... ]` with any members; member values call the generic value rule unless
    /// `inlineMembers` (the top of a json_object document, where most of the text is).
    private func genericContainer(object: Bool, _ nfa: inout NFA, inlineMembers: Bool = false) throws(GrammarError) -> Fragment {
        let open = try nfa.literal(object ? "{" : "[")
        let ws0 = try Lexical.whitespace(newline: true, &nfa)
        let first = try nfa.sequence([open, ws0])
        let close = try nfa.literal(object ? "}" : "]")
        let ws1 = try Lexical.whitespace(newline: true, &nfa)
        let closeAfterMember = try nfa.sequence([ws1, close])
        let member = try nfa.newState()
        let afterMember = try nfa.newState()
        var memberParts: [Fragment] = []
        if object {
            guard let key = try Lexical.freeString(min: 0, max: nil, &nfa) else { preconditionFailure("free strings are never empty") }
            memberParts += [key, try nfa.literal(":"), try Lexical.whitespace(newline: false, &nfa)]
        }
        memberParts.append(try genericValue(&nfa, inline: inlineMembers))
        let value = try nfa.sequence(memberParts)
        nfa.epsilon(member, value.start)
        nfa.epsilon(value.end, afterMember)
        let comma = try nfa.sequence([try nfa.literal(","), try Lexical.whitespace(newline: true, &nfa)])
        nfa.epsilon(afterMember, comma.start)
        nfa.epsilon(comma.end, member)
        nfa.epsilon(first.end, close.start)
        nfa.epsilon(first.end, member)
        nfa.epsilon(afterMember, closeAfterMember.start)
        let end = try nfa.newState()
        nfa.epsilon(close.end, end)
        nfa.epsilon(closeAfterMember.end, end)
        return Fragment(start: first.start, end: end)
    }
}
