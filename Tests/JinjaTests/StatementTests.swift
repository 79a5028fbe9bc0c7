import Jinja
import XCTest

/// Statements: for loops and `loop.*`, if/elif/else, set, macros, call blocks, namespaces, filter/with blocks.
/// Expected strings were produced by jinja2 3.1.6 configured as transformers' chat-template environment.
final class StatementTests: XCTestCase {
    /// `loop.*` attributes, tuple unpacking and loop filters.
    func testForLoopVariables() throws {
        try check("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }} {% endfor %}", "1032TrueFalse3 2121FalseFalse3 3210FalseTrue3 ")
        try check("{% for x in [1, 2, 3] %}{{ loop.previtem }}|{{ loop.nextitem }};{% endfor %}", "|2;1|3;2|;")
        try check("{% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %}", "aba")
        try check("{% for x in [1, 1, 2] %}{{ loop.changed(x) }}{% endfor %}", "TrueFalseTrue")
        try check("{% for a, b in [[1, 2], [3, 4]] %}{{ a }}-{{ b }};{% endfor %}", "1-2;3-4;")
        try check("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }},{% endfor %}", "a=1,b=2,")
        try check("{% for x in [1, 2, 3, 4] if x is odd %}{{ loop.index }}/{{ loop.length }}:{{ x }} {% endfor %}", "1/2:1 2/2:3 ")
        try check("{% for k in {'z': 1, 'a': 2} %}{{ k }}{% endfor %}", "za")
        try check("{% for c in 'hé😀' %}[{{ c }}]{% endfor %}", "[h][é][😀]")
        try check("{% for x in [] %}a{% else %}empty{% endfor %}", "empty")
        try check("{% for i in [1, 2] %}{% for j in 'ab' %}{{ loop.index }}{{ i }}{{ j }} {% endfor %}{% endfor %}", "11a 21b 12a 22b ")
        try check("{% for item in [{'c': [{'c': []}]}, {'c': []}] recursive %}[{{ loop.depth }}{{ loop(item.c) }}]{% endfor %}", "[1[2]][1]")
    }

    /// Loop controls from jinja2.ext.loopcontrols.
    func testBreakAndContinue() throws {
        try check("{% for x in [1, 2, 3, 4] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", "13")
        try check("{% for x in [1, 2] %}{% for y in [1, 2] %}{% if y == 2 %}{% break %}{% endif %}{{ x }}{{ y }} {% endfor %}{% endfor %}", "11 21 ")
    }

    /// if/elif/else and inline conditional expressions.
    func testConditionals() throws {
        try check("{% if 0 %}a{% elif '' %}b{% elif [1] %}c{% else %}d{% endif %}", "c")
        try check("{% if none %}a{% else %}b{% endif %}", "b")
        try check("{{ 'y' if 1 else 'n' }}|{{ 'y' if 0 }}|{{ 'a' if false else 'b' if false else 'c' }}", "y||c")
    }

    /// `set` in a loop stays in the loop; in an if it leaks; namespaces carry state out.
    func testScopingOfSet() throws {
        try check("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "21")
        try check("{% if c %}{% set y = 1 %}{% endif %}{{ y }}", "1", context: "{\"c\": true}")
        try check("{% set ns = namespace(a=1, b='x') %}{% set ns.a = ns.a + 1 %}{% for i in [1, 2] %}{% set ns.b = ns.b ~ i %}{% endfor %}{{ ns.a }}{{ ns.b }}", "2x12")
        try check("{% set ns = namespace() %}{% set ns.x = 5 %}{{ ns.x }}{{ ns.missing is defined }}", "5False")
        try check("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12")
        try check("{% set x %}block {{ 1 }}{% endset %}[{{ x }}]{% set y | upper %}up{% endset %}{{ y }}", "[block 1]UP")
        try check("{% set messages = messages[1:] %}{{ messages|length }}", "2", context: "{\"messages\": [1, 2, 3]}")
    }

    /// Each iteration starts from the enclosing scope; `loop` cannot be reassigned.
    func testLoopBodyScopePerIteration() throws {
        try check("{% for i in [1, 2, 3] %}{% if i == 1 %}{% set x = 'a' %}{% endif %}[{{ x }}]{% endfor %}", "[a][][]")
        try check("{% set x = 'outer' %}{% for i in [1, 2] %}{{ x }}{% set x = 'inner' %}{{ x }}{% endfor %}{{ x }}", "outerinnerouterinnerouter")
        try check("{% for i in [1] %}{% for j in [2] %}{% set i = 5 %}{{ i }}{% endfor %}{{ i }}{% endfor %}", "51")
    }

    /// A name assigned unconditionally in a frame starts Undefined there (jinja2 idtracking), even if the context has it.
    func testStaticFrameScoping() throws {
        try check("{% for j in [1] %}[{{ y }}]{% endfor %}{% set y = 1 %}[{{ y }}]", "[][1]", context: "{\"y\": 0}")
        try check("{% for i in [1] %}{% for j in [1] %}[{{ y }}]{% endfor %}{% set y = 1 %}{% endfor %}[{{ y }}]", "[0][0]", context: "{\"y\": 0}")
        try check("[{{ y }}]{% for j in [1] %}[{{ y }}]{% endfor %}{% set y = 1 %}", "[0][0]", context: "{\"y\": 0}")
        try check("{% if true %}{% for j in [1] %}[{{ y }}]{% endfor %}{% set y = 1 %}{% endif %}", "[0]", context: "{\"y\": 0}")
        try check("{% macro m() %}{% for j in [1] %}[{{ y }}]{% endfor %}{% set y = 1 %}{% endmacro %}{{ m() }}", "[]", context: "{\"y\": 0}")
    }

    /// jinja2 runs the else block unless some iteration reached the end of the body.
    func testForElseRunsWhenNoIterationCompleted() throws {
        try check("{% for i in range(3) %}{% break %}{% else %}E{% endfor %}|{% for i in [1, 2] %}{% continue %}{% else %}E{% endfor %}|{% for i in [1, 2] %}{% if i == 2 %}{% break %}{% endif %}{% else %}E{% endfor %}", "E|E|")
    }

    /// Defaults, keyword arguments, recursion, varargs/kwargs and caller.
    func testMacros() throws {
        try check("{% macro m(a, b='B', c=none) %}[{{ a }}{{ b }}{{ c }}]{% endmacro %}{{ m(1) }}{{ m(1, 2) }}{{ m(1, c=3) }}{{ m() }}", "[1BNone][12None][1B3][BNone]")
        try check("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}", "54321")
        try check("{% macro m() %}{{ varargs|length }}{{ kwargs }}{% endmacro %}{{ m(1, 2, x=3) }}", "2{'x': 3}")
        try check("{% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}inner{% endcall %}", "<inner>")
        try check("{% macro w(items) %}{% for i in items %}{{ caller(i) }}{% endfor %}{% endmacro %}{% call(x) w([1, 2]) %}[{{ x }}]{% endcall %}", "[1][2]")
        try check("{% macro m(x) %}{{ x }}{% endmacro %}{{ m is callable }}{{ m('a') ~ 'b' }}{{ m('a') + 'b' }}", "Trueabab")
        try check("{% macro m(a, b=a ~ '!') %}{{ b }}{% endmacro %}{{ m('x') }}", "x!")
        try check("{% set g = 'global' %}{% macro m() %}{{ g }}{% endmacro %}{{ m() }}", "global")
    }

    /// `{% filter %}`, `{% with %}` and transformers' `{% generation %}`.
    func testFilterWithAndGenerationBlocks() throws {
        try check("{% filter upper %}hello {{ 'x' }}{% endfilter %}", "HELLO X")
        try check("{% filter replace('a', 'b')|upper %}aaa{% endfilter %}", "BBB")
        try check("{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}[{{ a }}]", "3[]")
        try check("{% generation %}gen {{ 1 }}{% endgeneration %}", "gen 1")
    }

    /// range, dict, namespace and strftime_now on the fixed clock.
    func testGlobals() throws {
        try check("{{ range(5)|list }}{{ range(2, 10, 3)|list }}{{ range(5, 0, -2)|list }}{{ range(0)|list }}", "[0, 1, 2, 3, 4][2, 5, 8][5, 3, 1][]")
        try check("{{ dict(a=1, b=2) }}{{ namespace(x=1).x }}", "{'a': 1, 'b': 2}1")
        try check("{{ strftime_now('%d %b %Y|%Y-%m-%d|%B %d, %Y|%A %a %H:%M:%S %p %I %j %U %W %w %y %e %-d %%') }}", "26 Jul 2024|2024-07-26|July 26, 2024|Friday Fri 12:00:00 PM 12 208 29 30 5 24 26 26 %")
    }
}
