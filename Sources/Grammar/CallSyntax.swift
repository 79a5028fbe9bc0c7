/// Tool calls written in a model's own syntax, for forcing them (`tool_choice` required or named) or for
/// constraining a call once the model has begun one: `open`, then between one and `maxCalls` calls separated by
/// `separator`, then `close`. Each call is one of `options`: a literal prefix, a JSON value matching the schema at
/// `pointer` in `document`, a literal suffix. Hermes, for one:
/// `<tool_call>\n{"name": "f", "arguments": {…}}\n</tool_call>`, prefix and suffix around a `{name, arguments}`
/// schema; DeepSeek-R1 names the function in the prefix and the schema is the arguments alone.
public struct CallSyntax: Sendable {
    public struct Option: Sendable {
        public var prefix: String
        /// A JSON pointer into `document` ("#/anyOf/0"); `$ref`s inside resolve against `document` too.
        public var pointer: String
        public var suffix: String
        public init(prefix: String = "", pointer: String, suffix: String = "") {
            self.prefix = prefix
            self.pointer = pointer
            self.suffix = suffix
        }
    }

    public var document: JSONSchemaValue
    public var options: [Option]
    public var open: String
    public var separator: String
    public var close: String
    /// At most this many calls; nil for any number.
    public var maxCalls: Int?

    public init(document: JSONSchemaValue, options: [Option], open: String = "", separator: String = "", close: String = "",
                maxCalls: Int? = 1) {
        self.document = document
        self.options = options
        self.open = open
        self.separator = separator
        self.close = close
        self.maxCalls = maxCalls
    }

    /// The text that identifies a grammar: the cache key.
    var canonicalText: String {
        let parts = options.map { "\($0.prefix)\u{1}\($0.pointer)\u{1}\($0.suffix)" }.joined(separator: "\u{2}")
        return "calls\u{3}\(open)\u{3}\(separator)\u{3}\(close)\u{3}\(maxCalls ?? 0)\u{3}\(parts)\u{3}" + document.canonicalText
    }
}

extension SchemaCompiler {
    /// The calls of `syntax` as one fragment: open, a call, then (separator, call) up to `maxCalls - 1` more times,
    /// close. Nil when no option can match anything.
    func callSequence(_ syntax: CallSyntax, _ nfa: inout NFA) throws(GrammarError) -> Fragment? {
        guard let first = try oneCall(syntax, &nfa) else { return nil }
        var parts = [try nfa.literal(syntax.open), first]
        if syntax.maxCalls.map({ $0 > 1 }) ?? true {
            let more = try nfa.repetition(min: 0, max: syntax.maxCalls.map { $0 - 1 }) { (n: inout NFA) throws(GrammarError) -> Fragment? in
                guard let call = try oneCall(syntax, &n) else { return nil }
                return try n.sequence([try n.literal(syntax.separator), call])
            }
            if let more { parts.append(more) }
        }
        parts.append(try nfa.literal(syntax.close))
        return try nfa.sequence(parts)
    }

    private func oneCall(_ syntax: CallSyntax, _ nfa: inout NFA) throws(GrammarError) -> Fragment? {
        var options: [Fragment] = []
        for option in syntax.options {
            let node = try resolve(option.pointer, path: option.pointer)
            guard let body = try compileExpanding(node, pointer: option.pointer, &nfa) else { continue }
            options.append(try nfa.sequence([try nfa.literal(option.prefix), body, try nfa.literal(option.suffix)]))
        }
        return options.isEmpty ? nil : try nfa.alternation(options)
    }
}
