import Inference
import Tokenizers

/// The engine's front door for a server: the running engine and how its prompts are built, plus the little a
/// connection needs of the vocabulary (token bytes for logprobs, prompt text for the log).
public struct ServedModel: Sendable {
    public let engine: Engine
    public let prompt: ChatPrompt
    private let grammars = OutputGrammarCache()

    public init(engine: Engine, prompt: ChatPrompt) {
        self.engine = engine
        self.prompt = prompt
    }

    /// The compiled constraint for `format` (cached by schema); throws for a schema the compiler refuses.
    public func grammar(for format: OutputFormat) throws(OutputFormatError) -> OutputGrammar {
        try grammars.grammar(for: format)
    }

    /// The grammar that makes the answer calls of `tools` in `format`'s syntax (`tool_choice` required or named).
    public func forcedCallGrammar(_ tools: [ToolSpec], format: ToolCallFormat?, parallel: Bool) throws(OutputFormatError)
        -> OutputGrammar {
        try grammars.forcedCalls(tools, format: format, parallel: parallel)
    }

    /// The grammar a call is held to once begun (`tool_choice` auto with strict tools); nil when none applies.
    public func lazyCallGrammar(_ tools: [ToolSpec], format: ToolCallFormat?, parallel: Bool) throws(OutputFormatError)
        -> LazyGrammar? {
        try grammars.lazyCalls(tools, format: format, parallel: parallel)
    }

    /// Longest prompt + completion a request may have.
    public var contextLength: Int { engine.contextLength }

    /// The bytes token `id` stands for (possibly part of a character).
    public func tokenBytes(_ id: Int32) -> [UInt8] { engine.tokenizer.tokenPieceBytes(id) }

    /// `tokens` as text, for request logs.
    public func text(of tokens: [Int32]) -> String { engine.tokenizer.decode(tokens) }
}

/// How far loading the weights has come, for a server's progress reporting.
public typealias LoadProgress = Inference.LoadProgress
