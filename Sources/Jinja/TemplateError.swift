/// An error raised while parsing or rendering a template.
public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template source is malformed; `line` and `column` are 1-based, counted in code points.
    case syntax(message: String, line: Int, column: Int)
    /// An operation failed while rendering (type error, undefined access, sandbox violation, ...).
    case runtime(message: String, line: Int)
    /// The template called `raise_exception(message)`; carries exactly that message.
    case raised(String)
    /// A safety bound (output size, steps, loop iterations, recursion depth) was exceeded.
    case limit(String)

    /// A one-line human-readable description of the error.
    public var description: String {
        switch self {
        case let .syntax(message, line, column): return "syntax error at \(line):\(column): \(message)"
        case let .runtime(message, line): return "runtime error at line \(line): \(message)"
        case let .raised(message): return message
        case let .limit(message): return "limit exceeded: \(message)"
        }
    }
}

/// Bounds that keep rendering an untrusted template finite.
public struct TemplateLimits: Sendable {
    /// Maximum size in UTF-8 bytes of the output and of any string built while rendering.
    public var maxOutputBytes: Int = 1 << 20
    /// Maximum number of evaluation steps (expressions, statements, per-item filter work).
    public var maxSteps: Int = 1_000_000
    /// Maximum number of loop iterations in one render, and the largest `range()` or list built.
    public var maxLoopIterations: Int = 1_000_000
    /// Maximum macro call depth.
    public var maxCallDepth: Int = 500
    /// Maximum nesting of blocks and expressions in the parser, and of containers built at runtime.
    public var maxNestingDepth: Int = 256

    /// The default limits: 1 MiB output, 10^6 steps and iterations, call depth 500, nesting 256.
    public init() {}
}
