import Jinja
import XCTest

/// Expressions: operators with Python semantics, literals, subscripts and slices, printing like str().
/// Expected strings were produced by jinja2 3.1.6 configured as transformers' chat-template environment.
final class ExpressionTests: XCTestCase {
    /// Python arithmetic: floor division and modulo signs, true division, power, bools as ints.
    func testArithmetic() throws {
        try check("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 2 ** 3 ** 2 }}", "3 -4 1 2 3.5 1024 0.5 64")
        try check("{{ 7.5 // 2 }} {{ -7.5 % 2 }} {{ 1 // 0.1 }} {{ 0.1 + 0.2 }} {{ true + 1 }} {{ 10 - 2 - 3 }} {{ 2 * 3 % 4 }} {{ -3 }} {{ - -3 }}", "3.0 0.5 9.0 0.30000000000000004 2 5 2 -3 3")
    }

    /// Concatenation, `~`, repetition and printf-style `%`.
    func testStringOperators() throws {
        try check("{{ 'ab' * 3 }}{{ 2 * 'c' }}{{ [1] * 2 }}{{ 'x' * -1 }}|{{ 'a' ~ 1 ~ none ~ true ~ missing }}|{{ 'a' + 'b' }}", "abababcc[1, 1]|a1NoneTrue|ab")
        try check("{{ '%s-%d-%05.2f-%x-%r' % ('a', 3, 2.5, 255, 'q') }}|{{ '%s' % [1, 2] }}|{{ '%(a)s!' % {'a': 1} }}|{{ '%s' % none }}", "a-3-02.50-ff-'q'|[1, 2]|1!|None")
        try check("{{ (1 + 2) ~ 3 * 2 }}|{{ 'a' ~ (2 + 3) }}|{{ 'a' ~ 2 * 3 }}", "36|a5|a6")
    }

    /// Chained comparisons, equality across numeric types, membership.
    func testComparisons() throws {
        try check("{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 2 >= 2 }} {{ 1 != 1 }}", "True False True True True False")
        try check("{{ 1 == 1.0 }} {{ true == 1 }} {{ none == none }} {{ {'a': 1, 'b': 2} == {'b': 2, 'a': 1.0} }}", "True True True True")
        try check("{{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'x' not in 'abc' }} {{ 1 in missing }}", "True True True True False")
    }

    /// `and`/`or` return an operand; `not` binds looser than tests.
    func testLogicReturnsOperands() throws {
        try check("{{ 1 and 2 }} {{ 0 or 'x' }} {{ none or '' }}|{{ not 1 }} {{ not x is defined }}", "2 x |False True")
    }

    /// Numbers, escapes, adjacent string concatenation, containers.
    func testLiterals() throws {
        try check("{{ 1.5e3 }} {{ 1_000 }} {{ 0x1f }} {{ 0o17 }} {{ 0b101 }} {{ 1e2 }} {{ 'a' 'b' }}", "1500.0 1000 31 15 5 100.0 ab")
        try check("{{ 'it\\'s' }}|{{ \"say \\\"hi\\\"\" }}|{{ 'tab\\there' }}|{{ '\\u00e9\\x41\\101' }}|{{ 'a\\qb' }}|{{ '\\N{LATIN SMALL LETTER A}' }}", "it's|say \"hi\"|tab\there|éAA|a\\qb|a")
        try check("{{ [1, 'a', none, true, 1.5] }} {{ {'a': 1, 'b': [1, 'x']} }}", "[1, 'a', None, True, 1.5] {'a': 1, 'b': [1, 'x']}")
    }

    /// Tuple literals, items() pairs, varargs and partition are tuples: printed `(a, b)`, spread by `%`, unequal to lists.
    func testTuples() throws {
        try check("{{ (1, 2) }}{{ (1,) }}{{ () }}{{ {'a': 1}|items|list }}{{ {'a': 1}.items()|list }}{{ 'aXb'.partition('X') }}", "(1, 2)(1,)()[('a', 1)][('a', 1)]('a', 'X', 'b')")
        try check("{% macro m() %}{{ varargs }}{% endmacro %}{{ m(1, 2) }}|{% for pair in {'a': 1, 'b': 2}|items %}{{ '%s=%s;' % pair }}{% endfor %}", "(1, 2)|a=1;b=2;")
        try check("{{ (1, 2) == [1, 2] }}{{ (1, 2) == (1, 2) }}{{ (1, 2) + (3,) }}{{ (1, 2)[1] }}{{ (1, 2, 3)[1:] }}{{ (1, 2)|length }}{{ (1, 2)|tojson }}", "FalseTrue(1, 2, 3)2(2, 3)2[1, 2]")
        try check("{% set a, b = 'xy' %}{{ a }}{{ b }}{% set t = 1, 2 %}{{ t }}{{ 'abc'.startswith(('x', 'a')) }}", "xy(1, 2)True")
    }

    /// None, booleans and floats print like Python; strings in containers use repr quoting.
    func testPrintingFollowsPythonStr() throws {
        try check("{{ none }} {{ true }} {{ 0.1 }} {{ 1e100 }} {{ 1.5e-10 }} {{ 100.0 }} {{ 1e15 }} {{ 1e16 }} {{ -0.0 }}", "None True 0.1 1e+100 1.5e-10 100.0 1000000000000000.0 1e+16 -0.0")
        try check("{{ 9357339622241414.0 }} {{ 9007199254740993.0 }} {{ 1e22 }} {{ 1.5e-7 }} {{ 0.0001 }} {{ 123456789012345678.0 }} {{ [2.5, -1e-05] }} {{ 1e16|tojson }}", "9357339622241414.0 9007199254740992.0 1e+22 1.5e-07 0.0001 1.2345678901234568e+17 [2.5, -1e-05] 1e+16")
        try check("{{ ['it\\'s', \"q\\\"\", 'b\\\\', 'tab\\t', '\\x01', 'é', '\\u200b'] }}", "[\"it's\", 'q\"', 'b\\\\', 'tab\\t', '\\x01', 'é', '\\u200b']")
    }

    /// Negative indexes, slices with steps, code-point string indexing, `.0` item access.
    func testSubscriptsAndSlices() throws {
        try check("{{ 'abc'[0] }}{{ 'abc'[-1] }}{{ 'abc'[::-1] }}{{ 'abcdef'[1:4] }}{{ 'abcdef'[::2] }}{{ 'abc'[5] }}|{{ [1, 2, 3][-2:] }}{{ [1, 2, 3][::-1] }}", "accbabcdace|[2, 3][3, 2, 1]")
        try check("{{ 'héllo wörld 😊'[3:8] }}{{ 'x😊y'|length }}{{ '👩\u{200d}💻'|length }}", "lo wö33")
        try check("{{ a.1.2 }}{{ a.0.0 }}", "40", context: "{\"a\": [[0, 1], [2, 3, 4]]}")
        try check("{{ [1, 2][5:1] }}{{ [1, 2, 3][-100:100] }}", "[][1, 2, 3]")
    }

    /// `a.b` prefers the attribute (methods), `a['b']` the key; misses are undefined.
    func testAttributeAndKeyLookup() throws {
        try check("{{ x.y }}|{{ x['y'] }}|{{ x.items is callable }}|{{ x['items'] }}", "1|1|True|5", context: "{\"x\": {\"y\": 1, \"items\": 5}}")
        try check("{{ n.foo }}|{{ s.foo }}|{{ d.missing is defined }}|{{ x.content.content }}", "||False|", context: "{\"n\": null, \"s\": \"str\", \"d\": {}, \"x\": {\"content\": \"str\"}}")
    }
}
