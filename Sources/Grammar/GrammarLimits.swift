/// The bounds a schema must compile within; a schema over any of them throws `GrammarError.tooComplex`. Each bound
/// is checked as the work happens (never after building something bigger), so a refusal costs at most the bound.
public enum GrammarLimits {
    /// Schema objects visited while compiling, counting each `$ref` expansion again.
    public static let maxSchemaNodes = 20_000
    /// Nesting of schema objects inside one another (also caps the compiler's recursion).
    public static let maxSchemaDepth = 64
    /// `$ref`s being expanded inside one another (a deep non-recursive chain).
    public static let maxRefDepth = 32
    /// Rules: one per recursive `$ref` target, plus the root and the generic JSON value.
    public static let maxRules = 256
    /// Nondeterministic automaton states built for the whole grammar (regex and repetitions unrolled).
    public static let maxAutomatonStates = 300_000
    /// Deterministic states of the compiled grammar, all rules together.
    public static let maxGrammarStates = 100_000
    /// Subset-construction work (subset sizes summed) for one automaton.
    public static let maxDeterminizationWork = 1_000_000
    /// States of one `pattern`'s automaton (and of a string's intersected constraints).
    public static let maxRegexStates = 20_000
    /// Length of one `pattern` in characters.
    public static let maxPatternLength = 4_096
    /// Copies of one repeated element: a regex `{m,n}`, `maxLength`, `maxItems`, `minItems`.
    public static let maxRepetition = 1_000
    /// Parallel parse stacks a matcher follows; a byte that would need more is rejected.
    public static let maxParseStacks = 1_024
}
