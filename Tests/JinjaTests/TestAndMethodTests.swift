import Jinja
import XCTest

/// `is` tests and the read-only str/dict/list methods.
/// Expected strings were produced by jinja2 3.1.6 configured as transformers' chat-template environment.
final class TestAndMethodTests: XCTestCase {
    /// defined/none/string/mapping/iterable/sequence/number/integer/float/boolean/true/false/callable.
    func testTypeTests() throws {
        try check("{{ 1 is number }}{{ 1.0 is number }}{{ true is number }}{{ 'a' is number }}{{ 1 is integer }}{{ true is integer }}{{ 1.0 is float }}{{ true is boolean }}{{ 1 is boolean }}", "TrueTrueTrueFalseTrueFalseTrueTrueFalse")
        try check("{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 0 is false }}{{ none is none }}{{ x is defined }}{{ x is undefined }}", "TrueFalseTrueFalseTrueFalseTrue")
        try check("{{ 'a' is string }}{{ {} is mapping }}{{ [] is mapping }}{{ [] is iterable }}{{ 'a' is iterable }}{{ 1 is iterable }}{{ {} is sequence }}{{ 'a' is sequence }}{{ 1 is sequence }}", "TrueTrueFalseTrueTrueFalseTrueTrueFalse")
        try check("{{ range is callable }}{{ 'a' is callable }}{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ none is sameas none }}", "TrueFalseTrueTrueTrue")
    }

    /// equalto/eq/ne/lt/gt/ge/le/in, odd/even, divisibleby, bare arguments.
    func testComparisonTests() throws {
        try check("{{ 3 is odd }}{{ 3 is even }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}{{ 1 is eq 1 }}{{ 1 is ne 2 }}{{ 1 is lt 2 }}{{ 1 is gt 2 }}{{ 2 is ge 2 }}{{ 2 is le 1 }}{{ 1 is in [1] }}{{ 1 is equalto 1 }}", "TrueFalseTrueFalseTrueTrueTrueFalseTrueFalseTrueTrue")
        try check("{{ 'x' if y is string else 'z' }}{{ y is not none }}", "zTrue")
    }

    /// Python semantics of split, strip, startswith/endswith, find, replace, join, case methods, format.
    func testStringMethods() throws {
        try check("{{ ' a b  c '.split() }}{{ 'a,b,,c'.split(',') }}{{ 'a,b,c'.split(',', 1) }}{{ 'a b c'.rsplit(' ', 1) }}{{ '  a  b '.split(None, 1) }}{{ 'a</think>b</think>c'.split('</think>')[-1] }}", "['a', 'b', 'c']['a', 'b', '', 'c']['a', 'b,c']['a b', 'c']['a', 'b ']c")
        try check("{{ 'xxhixx'.strip('x') }}{{ '\n\nhi\n'.lstrip('\n') }}{{ 'hi  '.rstrip() }}{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'abc'.startswith('b', 1) }}", "hihi\nhiTrueTrueTrue")
        try check("{{ 'hello'.find('l') }}{{ 'hello'.rfind('l') }}{{ 'hello'.find('z') }}{{ 'hello'.count('l') }}{{ 'hello'.replace('l', 'L', 1) }}{{ '-'.join(['a', 'b']) }}", "23-12heLloa-b")
        try check("{{ 'abc'.upper() }}{{ 'ABC'.lower() }}{{ 'hello world'.title() }}{{ 'hELLO'.capitalize() }}{{ '5'.zfill(3) }}{{ 'ab'.ljust(4, '*') }}", "ABCabcHello WorldHello005ab**")
        try check("{{ '{} and {}'.format('a', 'b') }}{{ '{0}{0}'.format('x') }}{{ '{name}!'.format(name='n') }}{{ '{:>5}|{:<4}|{:^6}|{:05.1f}|{:,}'.format('a', 'b', 'c', 3.14159, 1234567) }}", "a and bxxn!    a|b   |  c   |003.1|1,234,567")
    }

    /// get/keys/values/items on dicts; count/index on lists.
    func testDictAndListMethods() throws {
        try check("{{ d.get('a') }}{{ d.get('z') }}{{ d.get('z', 'dflt') }}{{ d.keys()|list }}{{ d.values()|list }}{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}", "1Nonedflt['a', 'b'][1, 2]a1b2", context: "{\"d\": {\"a\": 1, \"b\": 2}}")
        try check("{{ [1, 2, 1].count(1) }}{{ [1, 2, 3].index(2) }}", "21")
    }
}
