import Jinja
import XCTest

/// Lexer whitespace handling: trim_blocks, lstrip_blocks, `-`/`+` control, raw blocks, comments, newlines.
/// Expected strings were produced by jinja2 3.1.6 configured as transformers' chat-template environment.
final class WhitespaceTests: XCTestCase {
    /// The first newline after a block or comment tag is removed, not after `}}`.
    func testTrimBlocks() throws {
        try check("{% if true %}\nx\n{% endif %}\ny", "x\ny")
        try check("{{ 'a' }}\nb", "a\nb")
        try check("{# c #}\nx", "x")
        try check("{% if true %}\n\nx{% endif %}", "\nx")
        try check("{% set a = 1 %}\r\nx", "x")
    }

    /// Spaces and tabs before a block tag at line start are removed, not before `{{` or mid-line.
    func testLstripBlocks() throws {
        try check("a\n    {% if true %}x{% endif %}", "a\nx")
        try check("  \t{% if true %}x{% endif %}", "x")
        try check("a  {% if true %}x{% endif %}", "a  x")
        try check("a\n    {{ 'x' }}", "a\n    x")
        try check("{{ 1 }}   {% if true %}x{% endif %}", "1   x")
        try check("a\n  {# note #}\nb", "a\nb")
        try check("a\n\u{a0}{% if true %}x{% endif %}", "a\nx")
        try check("\t {% for i in [1, 2] %}\n\t{{ i }}\n\t {% endfor %}\n", "\t1\n\t2\n")
    }

    /// `{%+` keeps leading whitespace; `+%}` keeps the trailing newline.
    func testPlusDisablesStripping() throws {
        try check("a\n    {%+ if true %}x{% endif %}", "a\n    x")
        try check("{% if true +%}\nx{% endif %}", "\nx")
    }

    /// `-` strips all whitespace, newlines included, on its side of the tag.
    func testMinusStripsAllWhitespace() throws {
        try check("a \n {{- 'b' -}} \n c", "abc")
        try check("a\n\n{%- if true -%}\n\n x \n\n{%- endif -%}\n\nb", "axb")
        try check("a {#- c -#}   b", "ab")
        try check("{% for i in range(3) -%}\n  {{ i }}\n{%- endfor %}", "012")
        try check("x \u{a0}\u{3000} {{- 'y' }}", "xy")
    }

    /// One trailing newline is dropped; CRLF and CR read as LF.
    func testTrailingNewlineAndLineEndings() throws {
        try check("x\n", "x")
        try check("x\n\n", "x\n")
        try check("a\r\nb\rc", "a\nb\nc")
        try check("{{ 'a' }}\n", "a")
    }

    /// `{% raw %}` content is verbatim; whitespace rules apply around the tags.
    func testRawBlocks() throws {
        try check("{% raw %}{{ x }}{% if %}{% endraw %}", "{{ x }}{% if %}")
        try check("  {% raw %}\n  {{ x }}\n  {% endraw %}\n  y", "\n  {{ x }}\n  y")
        try check("{%- raw -%}  {{ a }}  {%- endraw -%}  q", "{{ a }}q")
        try check("{% raw %}\n{# x #}{% endraw %}", "\n{# x #}")
    }

    /// Comments produce nothing and follow the block whitespace rules.
    func testComments() throws {
        try check("a{# hidden {{ x }} #}b", "ab")
        try check("{#- c -#}\n\n   x", "x")
        try check("a\n  {# c #}  \nb", "a\n  \nb")
    }
}
