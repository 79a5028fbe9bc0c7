import Foundation
import Jinja
import XCTest

extension XCTestCase {
    /// Renders `template` (with `context` given as a JSON object) and asserts the exact output.
    func check(_ template: String, _ expected: String, context: String = "{}",
               file: StaticString = #filePath, line: UInt = #line) throws {
        let output = try render(template, context: context)
        XCTAssertEqual(output, expected, "template: \(template)", file: file, line: line)
        XCTAssertEqual(Array(output.utf8), Array(expected.utf8), "bytes differ for: \(template)", file: file, line: line)
    }

    /// Renders `template` with a JSON-object context, on the fixtures' fixed clock.
    func render(_ template: String, context: String = "{}", limits: TemplateLimits = TemplateLimits()) throws -> String {
        var variables: [String: Value] = [:]
        if case .dict(let d) = try Value.parseJSON(context) {
            for (k, v) in zip(d.keys, d.values) {
                if case .string(let key) = k { variables[key] = v }
            }
        }
        return try Template(template, limits: limits).render(variables, now: Fixtures.now, timeZone: Fixtures.utc)
    }

    /// Asserts that rendering throws a TemplateError and returns it for further checks.
    @discardableResult
    func renderError(_ template: String, context: String = "{}", limits: TemplateLimits = TemplateLimits(),
                     file: StaticString = #filePath, line: UInt = #line) -> TemplateError? {
        do {
            let output = try render(template, context: context, limits: limits)
            XCTFail("expected an error, got output \(output.debugDescription)", file: file, line: line)
            return nil
        } catch let error as TemplateError {
            return error
        } catch {
            XCTFail("expected a TemplateError, got \(error)", file: file, line: line)
            return nil
        }
    }
}
