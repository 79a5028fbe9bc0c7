import Foundation
import GGUF
import Grammar
import Tokenizers

// grammar-bench: compile times over the test corpus and a few pathological schemas, then per-token fillMask
// times on the test models' vocabularies while stepping through realistic documents token by token: a cold pass
// (each grammar state's mask computed on first use) and a warm pass (the same documents again, tables filled).
// Run in release: swift build -c release --product grammar-bench && .build/release/grammar-bench

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let sorted = xs.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func format(_ x: Double) -> String { String(format: "%.3f", x) }

let clock = ContinuousClock()

// MARK: Corpus

struct Document {
    let name: String
    let schema: JSONSchemaValue?
    let text: String
}

let corpusText = try String(contentsOf: root.appendingPathComponent("Tests/GrammarTests/Fixtures/corpus.json"), encoding: .utf8)
guard case .array(let entries) = try BenchJSON.parse(corpusText) else {
    FileHandle.standardError.write(Data("grammar-bench: corpus.json is not an array\n".utf8))
    exit(1)
}
var documents: [Document] = []
var schemas: [(String, JSONSchemaValue)] = []
for e in entries {
    guard case .string(let name)? = e["name"], case .array(let valid)? = e["valid"] else { continue }
    let schema = e["mode"] == .string("json_object") ? nil : e["schema"]
    if let schema { schemas.append((name, schema)) }
    for case .string(let text) in valid { documents.append(Document(name: name, schema: schema, text: text)) }
}

// Longer, realistic documents: where a decode loop spends its steps (strings, keys, numbers).
let catalogSchema = try BenchJSON.parse(#"""
{"type":"object","properties":{"products":{"type":"array","items":{"type":"object","properties":{
"id":{"type":"integer","minimum":1},"name":{"type":"string"},"price":{"type":"number","minimum":0},
"tags":{"type":"array","items":{"type":"string"},"maxItems":5},"in_stock":{"type":"boolean"},
"description":{"type":"string","maxLength":300}},"required":["id","name","price","tags","in_stock"]}}},
"required":["products"],"additionalProperties":false}
"""#)
let catalog = """
{
  "products": [
    {
      "id": 1042,
      "name": "Cast-iron skillet, 26 cm",
      "price": 39.95,
      "tags": ["kitchen", "cookware", "cast iron"],
      "in_stock": true,
      "description": "Pre-seasoned skillet that goes from stovetop to oven; heats evenly and keeps heat for searing. Hand wash, dry at once, oil lightly."
    },
    {
      "id": 2210,
      "name": "Linen apron (natural)",
      "price": 24.5,
      "tags": ["kitchen", "textile"],
      "in_stock": false,
      "description": "Stonewashed European linen with two front pockets and adjustable neck strap. Machine washable at 40 °C."
    },
    {
      "id": 3001,
      "name": "Digital kitchen scale",
      "price": 18,
      "tags": [],
      "in_stock": true
    }
  ]
}
"""
let personSchema = try BenchJSON.parse(#"""
{"type":"object","properties":{"name":{"type":"string","minLength":1},"email":{"type":"string","format":"email"},
"born":{"type":"string","format":"date"},"role":{"enum":["admin","editor","viewer"]},
"address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},
"required":["street","city","zip"]},"notes":{"type":"array","items":{"type":"string"}}},"required":["name","email","born","role","address"]}
"""#)
let person = #"{"name": "Marta Núñez", "email": "marta.nunez@example.org", "born": "1987-04-12", "role": "editor", "address": {"street": "Calle de Alcalá 42", "city": "Madrid", "zip": "28014"}, "notes": ["Prefers email over phone.", "Speaks Spanish, English and a little German."]}"#
let config = """
{
  "service": "billing",
  "replicas": 3,
  "resources": {"cpu": "500m", "memory": "1Gi"},
  "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "TIMEOUT_MS", "value": "2500"}],
  "features": {"invoices_v2": true, "legacy_export": false, "regions": ["eu-west-1", "us-east-2"]},
  "comment": "Rolled out on 2024-06-03 after the load test; see the runbook for rollback steps."
}
"""
let treeSchema = try BenchJSON.parse(##"{"$defs":{"node":{"type":"object","properties":{"name":{"type":"string"},"size":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["name","children"]}},"$ref":"#/$defs/node"}"##)
let tree = #"{"name": "src", "children": [{"name": "main.swift", "size": 1204, "children": []}, {"name": "Grammar", "children": [{"name": "ParseState.swift", "size": 3310, "children": []}, {"name": "MaskWalker.swift", "size": 7012, "children": []}]}]}"#
let realistic = [
    Document(name: "catalog", schema: catalogSchema, text: catalog),
    Document(name: "person", schema: personSchema, text: person),
    Document(name: "config (json_object)", schema: nil, text: config),
    Document(name: "file tree (recursive)", schema: treeSchema, text: tree),
]

// MARK: Sampling

/// `--sample FILE`: writes documents sampled at random under each corpus grammar's mask (a byte vocabulary,
/// steered to close after a while) as JSON lines {"name", "schema", "document"}, for checking with an independent
/// JSON Schema validator.
if let flag = CommandLine.arguments.firstIndex(of: "--sample"), flag + 1 < CommandLine.arguments.count {
    let vocabulary = TokenVocabularyIndex(tokenBytes: (0...255).map { [UInt8($0)] } + [[]], endOfGeneration: [256], control: [])
    var lines: [String] = []
    var state: UInt64 = 42
    func random(_ n: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(n))
    }
    for (name, schema) in schemas + [("catalog", catalogSchema), ("person", personSchema), ("tree", treeSchema)] {
        let grammar = try GrammarCompiler.compile(schema: schema)
        for _ in 0..<200 {
            var m = GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
            var bytes: [UInt8] = []
            let patience = 10 + random(60)
            while bytes.count < 600 {
                let allowed = m.allowedTokens()
                if allowed.isEmpty || (allowed.contains(256) && (bytes.count > patience || allowed.count == 1)) { break }
                let steer = allowed.filter { [0x22, 0x5D, 0x7D].contains($0) }
                let pool = bytes.count > patience && !steer.isEmpty ? steer : allowed.filter { $0 != 256 }
                let pick = pool[random(pool.count)]
                _ = m.accept(token: pick)
                bytes.append(UInt8(pick))
            }
            guard m.isComplete else { continue }
            var line: [UInt8] = Array("{\"name\":".utf8)
            line += Array(JSONSchemaValue.string(name).canonicalText.utf8)
            line += Array(",\"schema\":".utf8) + Array(schema.canonicalText.utf8)
            line += Array(",\"document\":".utf8) + Array(JSONSchemaValue.string(String(decoding: bytes, as: UTF8.self)).canonicalText.utf8)
            line += Array("}".utf8)
            lines.append(String(decoding: line, as: UTF8.self))
        }
    }
    try (lines.joined(separator: "\n") + "\n").write(toFile: CommandLine.arguments[flag + 1], atomically: true, encoding: .utf8)
    print("\(lines.count) documents")
    exit(0)
}

// MARK: Compile times

if CommandLine.arguments.contains("--profile-catalog") {
    for _ in 0..<20 { _ = try GrammarCompiler.compile(schema: catalogSchema) }
    exit(0)
}

print("== compile (each corpus schema compiled 5 times, median per schema)")
var compileTimes: [Double] = []
var stateCounts: [Int] = []
for (name, schema) in schemas {
    var runs: [Double] = []
    for _ in 0..<5 {
        let start = clock.now
        do {
            let g = try GrammarCompiler.compile(schema: schema)
            if runs.isEmpty { stateCounts.append(g.stateCount) }
        } catch {
            print("  \(name): \(error)")
        }
        runs.append(milliseconds(clock.now - start))
    }
    compileTimes.append(percentile(runs, 0.5))
}
print("  schemas \(schemas.count): p50 \(format(percentile(compileTimes, 0.5))) ms, max \(format(compileTimes.max() ?? 0)) ms; states p50 \(Int(percentile(stateCounts.map(Double.init), 0.5))), max \(stateCounts.max() ?? 0)")
for (name, schema) in [("catalog", catalogSchema), ("person", personSchema), ("tree", treeSchema)] {
    let start = clock.now
    let g = try GrammarCompiler.compile(schema: schema)
    print("  \(name): \(format(milliseconds(clock.now - start))) ms, \(g.stateCount) states")
}

print("== pathological schemas (compiled or refused)")
func manyProperties(_ n: Int, required: Bool) -> JSONSchemaValue {
    let props = (0..<n).map { (key: "property\($0)", value: JSONSchemaValue.object([("type", .string($0 % 2 == 0 ? "string" : "integer"))])) }
    var members: [(key: String, value: JSONSchemaValue)] = [("type", .string("object")), ("properties", .object(props))]
    if required { members.append(("required", .array((0..<n).map { .string("property\($0)") }))) }
    return .object(members)
}
func doublingAnyOf(_ n: Int) -> JSONSchemaValue {
    var defs: [(key: String, value: JSONSchemaValue)] = []
    for i in 0..<n {
        let next: JSONSchemaValue = i == n - 1 ? .object([("type", .string("integer"))]) : .object([("$ref", .string("#/$defs/d\(i + 1)"))])
        defs.append(("d\(i)", .object([("anyOf", .array([next, .object([("type", .string("array")), ("items", next)])]))])))
    }
    return .object([("$defs", .object(defs)), ("$ref", .string("#/$defs/d0"))])
}
func refChain(_ n: Int) -> JSONSchemaValue {
    let defs = (0..<n).map { i in
        (key: "d\(i)", value: i == n - 1 ? JSONSchemaValue.object([("type", .string("boolean"))])
            : .object([("type", .string("object")), ("properties", .object([("next", .object([("$ref", .string("#/$defs/d\(i + 1)"))]))]))]))
    }
    return .object([("$defs", .object(defs)), ("$ref", .string("#/$defs/d0"))])
}
let pathological: [(String, JSONSchemaValue)] = [
    ("1000 optional properties", manyProperties(1000, required: false)),
    ("1000 required properties", manyProperties(1000, required: true)),
    ("anyOf doubling 40 levels", doublingAnyOf(40)),
    ("$ref chain of 500", refChain(500)),
    ("pattern (a+)+$", .object([("type", .string("string")), ("pattern", .string("(a+)+$"))])),
    ("pattern ^(a|b)*a(a|b){20}$", .object([("type", .string("string")), ("pattern", .string("^(a|b)*a(a|b){20}$"))])),
    ("pattern ^((a{100}){100}){100}$", .object([("type", .string("string")), ("pattern", .string("^((a{100}){100}){100}$"))])),
    ("string maxLength 1000", .object([("type", .string("string")), ("maxLength", .number("1000"))])),
]
for (name, schema) in pathological {
    let start = clock.now
    var outcome: String
    do {
        outcome = "compiled, \(try GrammarCompiler.compile(schema: schema).stateCount) states"
    } catch {
        outcome = "refused (\(error))"
    }
    print("  \(name): \(format(milliseconds(clock.now - start))) ms, \(outcome)")
}

// MARK: Masks

@MainActor func benchMasks(model: String) throws {
    let path = root.appendingPathComponent("models/\(model)").path
    guard FileManager.default.fileExists(atPath: path) else {
        print("== \(model): missing (run scripts/fetch-models)")
        return
    }
    let tokenizer = try Tokenizer(gguf: try GGUFFile(path: path))
    let n = tokenizer.vocabularySize
    let start = clock.now
    let pieces = (0..<n).map { tokenizer.tokenPieceBytes(Int32($0)) }
    let control = Set((0..<n).map(Int32.init).filter { tokenizer.isControl($0) && !tokenizer.endOfGenerationIDs.contains($0) })
    let vocabulary = TokenVocabularyIndex(tokenBytes: pieces, endOfGeneration: tokenizer.endOfGenerationIDs, control: control)
    print("== \(model): \(n) tokens, index \(format(milliseconds(clock.now - start))) ms, \(vocabulary.trieNodeCount) trie nodes")
    // One cold mask each: a free string's body (plain tokens taken whole), a bounded string's body (walked in
    // full), and the start of a document.
    for (label, schema, prefix) in [("free string body", #"{"type":"string"}"#, "\"ab"),
                                    ("maxLength string body", #"{"type":"string","maxLength":50}"#, "\"ab"),
                                    ("object start", #"{"type":"object","properties":{"a":{"type":"integer"}}}"#, "")] {
        let g = try GrammarCompiler.compile(schema: try BenchJSON.parse(schema))
        var m = GrammarMatcher(grammar: g, vocabulary: vocabulary)
        _ = m.accept(bytes: Array(prefix.utf8))
        var words: [UInt64] = []
        let t0 = clock.now
        m.fillMask(into: &words)
        let cold = milliseconds(clock.now - t0)
        let t1 = clock.now
        m.fillMask(into: &words)
        print("  \(label): cold \(format(cold)) ms, warm \(format(milliseconds(clock.now - t1))) ms, \(words.reduce(0) { $0 + $1.nonzeroBitCount }) tokens allowed")
    }
    for (label, docs) in [("realistic documents", realistic), ("corpus documents", documents)] {
        var grammars: [String: CompiledGrammar] = [:]
        for d in docs where grammars[d.name] == nil {
            grammars[d.name] = try d.schema.map { try GrammarCompiler.compile(schema: $0) } ?? GrammarCompiler.jsonObject()
        }
        var words: [UInt64] = []
        for pass in ["cold", "warm"] {
            var times: [Double] = []
            for d in docs {
                guard let g = grammars[d.name] else { continue }
                var m = GrammarMatcher(grammar: g, vocabulary: vocabulary)
                for id in tokenizer.encode(d.text, addSpecial: false, parseSpecial: false) {
                    let t0 = clock.now
                    m.fillMask(into: &words)
                    times.append(milliseconds(clock.now - t0))
                    guard m.accept(token: id) else {
                        print("  \(d.name): token \(id) rejected")
                        break
                    }
                }
                let t0 = clock.now
                m.fillMask(into: &words)
                times.append(milliseconds(clock.now - t0))
            }
            print("  \(label), \(pass): \(times.count) steps, fillMask p50 \(format(percentile(times, 0.5))) ms, p99 \(format(percentile(times, 0.99))) ms, max \(format(times.max() ?? 0)) ms, mean \(format(times.reduce(0, +) / Double(max(times.count, 1)))) ms")
        }
        let stats = grammars.values.map { $0.maskStatistics(for: vocabulary) }
        let states = stats.reduce(0) { $0 + $1.computedStates }
        let bytes = stats.reduce(0) { $0 + $1.bytes }
        print("  \(label): \(grammars.count) grammars, \(states) state masks computed, \(bytes / 1024) KiB held")
    }
}

if CommandLine.arguments.contains("--compile-only") { exit(0) }
try benchMasks(model: "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf")
try benchMasks(model: "SmolLM2-135M-Instruct.Q4_1.gguf")
