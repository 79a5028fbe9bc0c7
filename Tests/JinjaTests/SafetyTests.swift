import Foundation
import Jinja
import XCTest

/// Adversarial templates: each must throw within the bounds, quickly, never hang or crash.
final class SafetyTests: XCTestCase {
    /// Asserts `template` fails with a limit (or, when `syntax` is set, a syntax) error within `seconds`.
    private func assertBounded(_ template: String, syntax: Bool = false, seconds: Double = 10,
                               limits: TemplateLimits = TemplateLimits(), file: StaticString = #filePath,
                               line: UInt = #line) {
        let start = Date()
        let error = renderError(template, limits: limits, file: file, line: line)
        let elapsed = Date().timeIntervalSince(start)
        switch error {
        case .limit? where !syntax, .syntax? where syntax: break
        default: XCTFail("expected a \(syntax ? "syntax" : "limit") error, got \(String(describing: error))", file: file, line: line)
        }
        XCTAssertLessThan(elapsed, seconds, "took \(elapsed) s", file: file, line: line)
    }

    /// jinja2's sandbox caps ranges at MAX_RANGE (100000); larger ones fail before anything is allocated.
    func testHugeRangeThrowsWithoutMaterializing() throws {
        for template in ["{% for i in range(10**9) %}{{ i }}{% endfor %}", "{{ range(10**9)|length }}",
                         "{{ range(0, 10**18)|length }}", "{{ range(10**18, 0, -1)|length }}", "{{ range(100001)|length }}"] {
            let start = Date()
            guard case .runtime(let message, _)? = renderError(template) else {
                XCTFail("\(template): expected a runtime error")
                continue
            }
            XCTAssertTrue(message.contains("Range too big"), message)
            XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        }
        XCTAssertEqual(try render("{{ range(100000)|length }}"), "100000")
    }

    func testInfiniteMacroRecursionThrows() {
        assertBounded("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")
        assertBounded("{% macro f(n) %}x{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
        // Exponential fan-out stays within the step budget.
        assertBounded("{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(40) }}")
        // A recursive loop calling itself forever.
        assertBounded("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}")
    }

    func testDeeplyNestedExpressionIsASyntaxError() {
        let depth = 1000
        assertBounded("{{ " + String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth) + " }}",
                      syntax: true, seconds: 2)
        assertBounded("{{ " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + " }}",
                      syntax: true, seconds: 2)
        assertBounded("{{ " + String(repeating: "not ", count: depth) + "1 }}", syntax: true, seconds: 2)
        assertBounded("{{ " + String(repeating: "-", count: depth) + "1 }}", syntax: true, seconds: 2)
        // A flat left-associative chain builds a deep tree too.
        assertBounded("{{ 1" + String(repeating: " + 1", count: 10_000) + " }}", syntax: true, seconds: 2)
        assertBounded("{{ x" + String(repeating: "|trim", count: 10_000) + " }}", syntax: true, seconds: 2)
        assertBounded(String(repeating: "{% if true %}", count: depth) + String(repeating: "{% endif %}", count: depth),
                      syntax: true, seconds: 2)
    }

    func testUnterminatedTagsAreSyntaxErrors() {
        for template in ["{{ x", "{% if x", "{% if x %}never closed", "{# comment", "{{ 'abc", "{% raw %}x", "{{ (1, 2 }}"] {
            assertBounded(template, syntax: true, seconds: 1)
        }
    }

    func testOutputAndStringSizesAreBounded() {
        assertBounded("{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}")
        assertBounded("{{ 'x' * 10**9 }}", seconds: 1)
        assertBounded("{{ [1] * 10**9 }}", seconds: 1)
        assertBounded("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")
        assertBounded("{{ 'x'.center(10**9) }}", seconds: 1)
        assertBounded("{{ '%*d' % (10**9, 1) }}{{ 'y' * 10**6 }}", seconds: 1)
    }

    func testStepsAndIterationsAreBounded() {
        assertBounded("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}{% for i in range(10) %}{% endfor %}")
        var small = TemplateLimits()
        small.maxSteps = 1000
        assertBounded("{% for i in range(2000) %}{% endfor %}", limits: small)
    }

    /// Work proportional to a value's size (membership, equality, copies, string scans) is charged as steps,
    /// so a loop over an O(n) operation cannot run n × budget element operations.
    func testBulkWorkIsChargedBySize() throws {
        var limits = TemplateLimits()
        limits.maxSteps = 20_000
        let setup = "{% set big = range(100000)|list %}{% set other = range(100000)|list %}{% set s = 'x' * 100000 %}"
        // Each loop alone is cheap in steps (200 iterations) but touches 2·10^7 elements or bytes.
        for body in ["{% if -1 in big %}{% endif %}", "{% if big == other %}{% endif %}", "{% set c = big + big %}",
                     "{% set c = s.split('y') %}", "{% set c = s|length %}", "{% set c = 'y' in s %}",
                     "{% set c = big[1:] %}", "{% set c = big|join %}"] {
            assertBounded(setup + "{% for i in range(200) %}" + body + "{% endfor %}", limits: limits)
        }
        // The same loops over small values stay well within the budget.
        XCTAssertEqual(try render("{% set big = [1, 2] %}{% for i in range(200) %}{% if -1 in big %}{% endif %}{% endfor %}ok",
                                  limits: limits), "ok")
    }

    func testRuntimeValueNestingIsBounded() {
        assertBounded("{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}")
        assertBounded("{% set ns = namespace(x=1) %}{% for i in range(100000) %}{% set ns.x = {'k': ns.x} %}{% endfor %}")
        assertBounded("{% set ns = namespace(x=[1]) %}{% for i in range(100000) %}{% set ns.x = ns.x|batch(1)|list %}{% endfor %}")
        assertBounded("{% set ns = namespace() %}{% for i in range(100000) %}{% set ns.x = namespace(p=ns.x) %}{% endfor %}")
    }

    /// Cycles through namespaces print as Python's recursive repr does (`{...}`), without hanging.
    func testSelfReferentialNamespacePrintsWithoutHanging() throws {
        XCTAssertEqual(try render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"),
                       "<Namespace {'me': <Namespace {...}>}>")
        XCTAssertEqual(try render("{% set a = namespace(x=1) %}{% set b = namespace(a=a) %}{% set a.b = b %}{{ a }}"),
                       "<Namespace {'x': 1, 'b': <Namespace {'a': <Namespace {...}>}>}>")
    }

    /// Deep recursion on a thread with a small stack throws instead of overflowing it.
    func testSmallStackThreadThrowsInsteadOfCrashing() throws {
        var limits = TemplateLimits()
        limits.maxCallDepth = 1_000_000
        limits.maxSteps = 100_000_000
        let template = try Template("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", limits: limits)
        nonisolated(unsafe) var outcome: Result<String, Error>?
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            outcome = Result { try template.render() }
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        guard case .failure(let error)? = outcome, case TemplateError.limit(let message)? = error as? TemplateError else {
            return XCTFail("expected a limit error, got \(String(describing: outcome))")
        }
        XCTAssertTrue(message.contains("stack"), message)
    }

    func testParserRecursionOnSmallStackThread() {
        nonisolated(unsafe) var outcome: Result<String, Error>?
        let done = DispatchSemaphore(value: 0)
        let source = "{{ " + String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200) + " }}"
        let thread = Thread {
            outcome = Result { try Template(source).render() }
            done.signal()
        }
        thread.stackSize = 256 * 1024
        thread.start()
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        // Either it fits in 256 KiB or the stack guard refuses it with a syntax error; it must not crash.
        switch outcome {
        case .success(let output)?: XCTAssertEqual(output, "1")
        case .failure(let error)?:
            guard case .syntax? = error as? TemplateError else { return XCTFail("unexpected error \(error)") }
        case nil: XCTFail("no outcome")
        }
    }
}
