import Synchronization

/// Compiled grammars by schema text, least recently used out first, so the same schema sent a thousand times
/// compiles once (and keeps its warmed mask tables). Compile failures are kept too: a schema that is refused is
/// refused again without the work. Thread-safe; compiles outside the lock.
public final class GrammarCache: Sendable {
    private struct Entry {
        var result: Result<CompiledGrammar, GrammarError>
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
        var hits = 0
        var misses = 0
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 64) {
        self.capacity = max(1, capacity)
    }

    /// The grammar of `schema`, compiled on a miss.
    public func grammar(for schema: JSONSchemaValue) throws(GrammarError) -> CompiledGrammar {
        try grammar(key: "schema:" + schema.canonicalText) { () throws(GrammarError) in
            try GrammarCompiler.compile(schema: schema)
        }
    }

    /// The grammar of tool calls in `syntax`, compiled on a miss.
    public func grammar(for syntax: CallSyntax) throws(GrammarError) -> CompiledGrammar {
        try grammar(key: syntax.canonicalText) { () throws(GrammarError) in
            try GrammarCompiler.compile(calls: syntax)
        }
    }

    /// The json_object grammar (one shared instance).
    public func jsonObjectGrammar() -> CompiledGrammar { GrammarCompiler.jsonObject() }

    public var hits: Int { state.withLock { $0.hits } }
    public var misses: Int { state.withLock { $0.misses } }
    public var count: Int { state.withLock { $0.entries.count } }

    private func grammar(key: String,
                         compile: () throws(GrammarError) -> CompiledGrammar) throws(GrammarError) -> CompiledGrammar {
        let cached: Result<CompiledGrammar, GrammarError>? = state.withLock { s in
            s.clock += 1
            guard var entry = s.entries[key] else { return nil }
            entry.lastUse = s.clock
            s.entries[key] = entry
            s.hits += 1
            return entry.result
        }
        if let cached { return try cached.get() }
        let result: Result<CompiledGrammar, GrammarError>
        do {
            result = .success(try compile())
        } catch {
            result = .failure(error)
        }
        let stored: Result<CompiledGrammar, GrammarError> = state.withLock { s in
            s.misses += 1
            s.clock += 1
            // Another thread may have compiled the same schema meanwhile: keep the first.
            if let raced = s.entries[key] { return raced.result }
            if s.entries.count >= capacity, let oldest = s.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                s.entries[oldest.key] = nil
            }
            s.entries[key] = Entry(result: result, lastUse: s.clock)
            return result
        }
        return try stored.get()
    }
}
