import Foundation
import Jinja
import XCTest

/// Renders every record of the transformers golden fixtures and compares byte for byte.
final class GoldenTests: XCTestCase {
    struct Outcome {
        var passed = 0
        var total = 0
        var failures: [String] = []
    }

    static func renderAll() throws -> Outcome {
        let manifest = try Fixtures.json("manifest.json")
        let cases = try Fixtures.json("cases.json")
        var casesByName: [String: Value] = [:]
        for c in cases["cases"].array { casesByName[c["name"].stringValue ?? ""] = c }
        var outcome = Outcome()
        for entry in manifest["templates"].array {
            let name = entry["name"].stringValue ?? "?"
            let source = try Fixtures.text(entry["file"].stringValue ?? "")
            let template: ChatTemplate
            do {
                template = try ChatTemplate(source: source)
            } catch {
                let records = try Fixtures.json("expected/\(name).json").array
                outcome.total += records.count
                outcome.failures.append("\(name): template failed to parse: \(error)")
                continue
            }
            for record in try Fixtures.json("expected/\(name).json").array {
                outcome.total += 1
                let caseName = record["case"].stringValue ?? "?"
                let label = "\(name) / \(caseName) / \(record["variant"].stringValue ?? "?") / agp=\(record["add_generation_prompt"])"
                guard let testCase = casesByName[caseName] else {
                    outcome.failures.append("\(label): unknown case")
                    continue
                }
                var variables = OrderedDict()
                var documents: Value?
                for (k, v) in record["variables"].dictValue {
                    if k == "documents" { documents = v } else { variables[k] = v }
                }
                let tools = testCase["tools"] == "TOOLS" ? cases["tools"] : nil
                let result: Result<String, Error> = Result {
                    try template.render(
                        messages: testCase["messages"], tools: tools, documents: documents,
                        addGenerationPrompt: record["add_generation_prompt"] == true, bosToken: nil, eosToken: nil,
                        variables: variables, now: Fixtures.now, timeZone: Fixtures.utc)
                }
                if let expected = record["output"].stringValue {
                    switch result {
                    case .success(let output) where output == expected && Array(output.utf8) == Array(expected.utf8):
                        outcome.passed += 1
                    case .success(let output):
                        outcome.failures.append("\(label): output differs: \(diffHint(expected, output))")
                    case .failure(let error):
                        outcome.failures.append("\(label): expected output, got error \(error)")
                    }
                } else {
                    let type = record["error"]["type"].stringValue ?? ""
                    let message = record["error"]["message"].stringValue ?? ""
                    switch result {
                    case .success(let output):
                        outcome.failures.append("\(label): expected \(type) error, got output \(output.debugDescription.prefix(120))")
                    case .failure(let error):
                        if type == "TemplateError" {
                            if case TemplateError.raised(let m) = error, m == message {
                                outcome.passed += 1
                            } else {
                                outcome.failures.append("\(label): expected raise_exception(\(message.debugDescription)), got \(error)")
                            }
                        } else if case TemplateError.raised = error {
                            outcome.failures.append("\(label): expected a \(type), got raise_exception: \(error)")
                        } else {
                            outcome.passed += 1
                        }
                    }
                }
            }
        }
        return outcome
    }

    /// Where two strings first differ, with a little context from each.
    static func diffHint(_ expected: String, _ actual: String) -> String {
        let e = Array(expected.unicodeScalars), a = Array(actual.unicodeScalars)
        var i = 0
        while i < e.count, i < a.count, e[i] == a[i] { i += 1 }
        func window(_ s: [Unicode.Scalar]) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: s[max(0, i - 30)..<min(s.count, i + 50)])
            return String(view).debugDescription
        }
        return "first difference at code point \(i) (expected \(e.count), got \(a.count)): expected …\(window(e))… got …\(window(a))…"
    }

    func testAllGoldenRecordsMatch() throws {
        let outcome = try Self.renderAll()
        for failure in outcome.failures { XCTFail(failure) }
        XCTAssertEqual(outcome.total, 714, "fixture record count")
        XCTAssertEqual(outcome.passed, 714, "\(outcome.failures.count) failing records")
    }
}
