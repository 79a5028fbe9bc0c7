/// The entry points: a JSON Schema (`response_format: json_schema`) or any JSON object (`json_object`) to a
/// CompiledGrammar.
public enum GrammarCompiler {
    /// Compiles `schema`. Throws for keywords it does not support (naming them), malformed or unsatisfiable
    /// schemas, and schemas over `GrammarLimits`.
    public static func compile(schema: JSONSchemaValue) throws(GrammarError) -> CompiledGrammar {
        let root = try SchemaParser.parse(schema, path: "#", depth: 0)
        let compiler = SchemaCompiler(root: schema, budget: CompileBudget())
        return try GrammarBuilder.build(try compiler.compileRules(rootBody: .schema(root, pointer: "#")))
    }

    /// Tool calls in a model's own syntax (`CallSyntax`), with each call's JSON as `compile(schema:)` makes it.
    public static func compile(calls syntax: CallSyntax) throws(GrammarError) -> CompiledGrammar {
        let compiler = SchemaCompiler(root: syntax.document, budget: CompileBudget())
        return try GrammarBuilder.build(try compiler.compileRules(rootBody: .calls(syntax)))
    }

    /// Any JSON object, with the same bounded whitespace.
    public static func jsonObject() -> CompiledGrammar { jsonObjectGrammar }

    private static let jsonObjectGrammar: CompiledGrammar = {
        do {
            let compiler = SchemaCompiler(root: .bool(true), budget: CompileBudget())
            return try GrammarBuilder.build(try compiler.compileRules(rootBody: .genericObject))
        } catch {
            preconditionFailure("the json_object grammar does not compile: \(error)")
        }
    }()
}
