import Jinja
import XCTest

/// Typed errors: syntax errors carry line and column, runtime errors name the operation,
/// `raise_exception` is distinguishable and carries exactly its message, Undefined fails like jinja2's.
final class ErrorTests: XCTestCase {
    private func syntaxLocation(_ template: String, file: StaticString = #filePath, line: UInt = #line) -> (Int, Int, String)? {
        do {
            _ = try Template(template)
            XCTFail("expected a syntax error for \(template.debugDescription)", file: file, line: line)
        } catch TemplateError.syntax(let message, let l, let c) {
            return (l, c, message)
        } catch {
            XCTFail("expected a syntax error, got \(error)", file: file, line: line)
        }
        return nil
    }

    func testSyntaxErrorsCarryLineAndColumn() {
        let cases: [(String, Int, Int, String)] = [
            ("line one\n  {{ x ", 2, 3, "never closed"),
            ("{% if true %}\nfoo\n  {% if x", 3, 3, "never closed"),
            ("{% for x in [1] %}\nbody", 2, 5, "'endfor'"),
            ("a\n{{ 'unterminated }}", 2, 4, "unterminated string literal"),
            ("{{ 1 +\n }}", 2, 2, "unexpected"),
            ("ok\n\n   {% foo %}", 3, 7, "unknown tag 'foo'"),
            ("{% break %}", 1, 4, "outside of a loop"),
            ("{{ (1 }}", 1, 7, "expected ')'"),
            ("{# never closed", 1, 1, "Missing end of comment tag"),
            ("{% raw %} never closed", 1, 1, "Missing end of raw directive"),
            ("{% macro m(a=1, b) %}{% endmacro %}", 1, 18, "non-default argument"),
            ("x {{ 'é' }} {{ 1 ! 2 }}", 1, 18, "unexpected char '!'"),
            ("{% for i in [1] %}{% set loop = 1 %}{% endfor %}", 1, 26, "special loop variable"),
            ("{% for loop in [1] %}{% endfor %}", 1, 8, "special loop variable"),
        ]
        for (template, line, column, fragment) in cases {
            guard let (l, c, message) = syntaxLocation(template) else { continue }
            XCTAssertEqual(l, line, "line for \(template.debugDescription): \(message)")
            XCTAssertEqual(c, column, "column for \(template.debugDescription): \(message)")
            XCTAssertTrue(message.contains(fragment), "message \(message.debugDescription) lacks \(fragment.debugDescription)")
        }
    }

    func testInvalidStringEscapesAreSyntaxErrors() {
        for (literal, fragment) in [("'\\x4'", "truncated \\xXX"), ("'\\u12'", "truncated \\uXXXX"),
                                    ("'\\U0011FFFF'", "illegal Unicode character"), ("'\\N{NO SUCH NAME}'", "unknown Unicode"),
                                    ("'\\N{x'", "malformed"), ("'\\ud800'", "surrogate")] {
            guard let (l, c, message) = syntaxLocation("{{ \(literal) }}") else { continue }
            XCTAssertEqual([l, c], [1, 4])
            XCTAssertTrue(message.contains(fragment), "\(literal): \(message)")
        }
    }

    func testRaiseExceptionCarriesExactlyItsMessage() throws {
        let error = renderError("{% if true %}{{ raise_exception('System role not supported') }}{% endif %}")
        XCTAssertEqual(error, .raised("System role not supported"))
        XCTAssertEqual(renderError("{{ raise_exception('a ' ~ 1) }}"), .raised("a 1"))
    }

    func testRuntimeErrorsNameTheOperationAndLine() {
        let cases: [(String, String)] = [
            ("{{ 'a' + none }}", "can only concatenate str (not \"NoneType\") to str"),
            ("{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'"),
            ("{% for m in none %}{% endfor %}", "'NoneType' object is not iterable"),
            ("{{ 'x' in none }}", "argument of type 'NoneType' is not iterable"),
            ("{{ 'abc'|items }}", "Can only get item pairs from a mapping."),
            ("{{ 1 / 0 }}", "division by zero"),
            ("{{ 'a' < 1 }}", "'<' not supported between instances of 'str' and 'int'"),
            ("{{ x|nosuchfilter }}", "No filter named 'nosuchfilter'"),
            ("{{ 1 is nosuchtest }}", "No test named 'nosuchtest'"),
            ("{{ 5|length }}", "has no len()"),
            ("{{ 9223372036854775807 + 1 }}", "integer overflow"),
            ("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", "takes not more than 1 argument"),
            ("{% set d = {} %}{% set d.x = 1 %}", "non-namespace object"),
            ("{% for a, b in [[1, 2, 3]] %}{% endfor %}", "too many values to unpack"),
        ]
        for (template, fragment) in cases {
            guard let error = renderError(template) else { continue }
            guard case .runtime(let message, let line) = error else {
                XCTFail("\(template): expected a runtime error, got \(error)")
                continue
            }
            XCTAssertTrue(message.contains(fragment), "\(template): \(message.debugDescription) lacks \(fragment.debugDescription)")
            XCTAssertEqual(line, 1)
        }
        if case .runtime(_, let line)? = renderError("a\nb\n{{ 'x' + 1 }}") {
            XCTAssertEqual(line, 3)
        } else {
            XCTFail("expected a runtime error")
        }
    }

    func testSandboxIsImmutable() {
        for template in ["{% set l = [1] %}{{ l.append(2) }}", "{% set d = {} %}{{ d.update({'a': 1}) }}",
                         "{{ [1, 2].pop() }}", "{{ {'a': 1}.clear() }}", "{% set l = [2, 1] %}{{ l.sort() }}"] {
            guard case .runtime(let message, _)? = renderError(template) else {
                XCTFail("\(template): expected a runtime error")
                continue
            }
            XCTAssertTrue(message.hasPrefix("SecurityError"), message)
        }
        // Reading a mutating method (without calling it) gives Undefined, as jinja2's unsafe_undefined.
        XCTAssertEqual(try render("[{{ [1].append }}]"), "[]")
    }

    func testUndefinedBehavesLikeJinja2DefaultUndefined() throws {
        try check("[{{ missing }}]{{ missing is defined }}{{ missing is undefined }}{{ 'x' in missing }}", "[]FalseTrueFalse")
        try check("{% if missing %}t{% else %}f{% endif %}{{ not missing }}{% for x in missing %}x{% endfor %}", "fTrue")
        try check("{{ missing|length }}{{ missing|default('d') }}[{{ missing|string }}][{{ missing|trim }}]", "0d[][]")
        try check("{{ missing is iterable }}{{ missing is none }}{{ missing == missing }}{{ missing ~ 's' }}", "TrueFalseTrues")
        try check("{{ d.nokey }}|{{ d['nokey'] is defined }}|{{ d.nokey is undefined }}", "|False|True", context: #"{"d": {}}"#)
        for template in ["{{ missing.attr }}", "{{ missing['k'] }}", "{{ missing + 's' }}", "{{ 's' + missing }}",
                         "{{ missing < 1 }}", "{{ missing() }}", "{{ missing|int }}", "{{ missing|tojson }}",
                         "{{ -missing }}", "{{ d.nokey.deeper }}"] {
            guard case .runtime? = renderError(template, context: #"{"d": {}}"#) else {
                XCTFail("\(template): expected a runtime error")
                continue
            }
        }
    }
}
