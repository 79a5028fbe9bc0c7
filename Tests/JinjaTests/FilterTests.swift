import Jinja
import XCTest

/// Builtin filters (jinja2 3.1) and transformers' tojson.
/// Expected strings were produced by jinja2 3.1.6 configured as transformers' chat-template environment.
final class FilterTests: XCTestCase {
    /// trim, replace, case filters, indent, center, wordcount, truncate, format, string, safe, escape.
    func testStringFilters() throws {
        try check("{{ '  x \u{a0}\t'|trim }}|{{ 'xxaxx'|trim('x') }}", "x|a")
        try check("{{ 'aXbX'|replace('X', 'y') }}{{ 'aaa'|replace('a', 'b', 2) }}{{ 'ab'|replace('', '-') }}", "aybybba-a-b-")
        try check("{{ 'hELLo wORLD'|lower }}|{{ 'hello world'|upper }}|{{ 'hello wORLD-foo(bar'|title }}|{{ 'hello World'|capitalize }}|{{ 'ß'|upper }}", "hello world|HELLO WORLD|Hello World-Foo(Bar|Hello world|SS")
        try check("{{ 'Σ'|lower }}{{ 'ΑΣ'|lower }}{{ 'ΑΣ ΑΣΑ'|lower }}{{ 'ǆa'|capitalize }}{{ 'İ'|lower|length }}", "σαςας ασαǅa2")
        try check("{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent(2, blank=true) }}|{{ 'a\nb\n'|indent('>') }}", "a\n    b\n\n    c|  a\n  b|a\n  \n  b|a\n>b\n")
        try check("{{ 'abc'|center(9) }}|{{ 'abcd'|center(9) }}|{{ 'hello big world_1 x-y'|wordcount }}", "   abc   |   abcd  |5")
        try check("{{ 'abcdefghij'|truncate(5) }}|{{ 'hello world foo bar baz'|truncate(12) }}|{{ 'hello world foo bar baz'|truncate(12, true) }}", "abcdefghij|hello...|hello wor...")
        try check("{{ '%s-%s'|format(1, 2) }}{{ '%.2f'|format(3.14159) }}{{ '%5s|%-5s|'|format('a', 'b') }}{{ '%+d'|format(5) }}", "1-23.14    a|b    |+5")
        try check("{{ 1|string }}{{ none|string }}{{ [1, 'a']|string }}{{ '<b>'|safe }}{{ '<b>&\\''|e }}", "1None[1, 'a']<b>&lt;b&gt;&amp;&#39;")
    }

    /// json.dumps semantics: key order, raw non-ASCII, indent, separators, sort_keys, ensure_ascii.
    func testToJSON() throws {
        try check("{{ d|tojson }}", "{\"b\": 2, \"a\": 1, \"C\": [1, {\"x\": \"é\\n\\\"<>&'\"}], \"n\": null, \"t\": true, \"f\": 1.5}", context: "{\"d\": {\"b\": 2, \"a\": 1, \"C\": [1, {\"x\": \"é\\n\\\"<>&'\"}], \"n\": null, \"t\": true, \"f\": 1.5}}")
        try check("{{ d|tojson(indent=2) }}", "{\n  \"a\": [\n    1,\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": {}\n}", context: "{\"d\": {\"a\": [1, {\"b\": null}], \"c\": {}}}")
        try check("{{ d|tojson(separators=(',', ':')) }}|{{ d|tojson(sort_keys=true) }}", "{\"b\":1,\"a\":{\"d\":1,\"c\":2}}|{\"a\": {\"c\": 2, \"d\": 1}, \"b\": 1}", context: "{\"d\": {\"b\": 1, \"a\": {\"d\": 1, \"c\": 2}}}")
        try check("{{ d|tojson(true) }}", "{\"k\": \"\\u6771\\u4eac \\ud83d\\ude0a \\u007f\"}", context: "{\"d\": {\"k\": \"東京 😊 \u{7f}\"}}")
        try check("{{ 'x'|tojson }}{{ 1.0|tojson }}{{ none|tojson }}{{ [1, [], {}]|tojson(indent=1) }}", "\"x\"1.0null[\n 1,\n [],\n {}\n]")
    }

    /// length, items, list, join, first/last, reverse, sort, dictsort, unique, batch, min/max/sum.
    func testSequenceFilters() throws {
        try check("{{ [1, 2, 3]|length }}{{ 'héllo'|count }}{{ {'a': 1}|length }}{{ missing|length }}", "3510")
        try check("{% for k, v in {'a': 1, 'b': 2}|items %}{{ k }}{{ v }}{% endfor %}{{ 'abc'|list }}{{ {'a': 1}|list }}", "a1b2['a', 'b', 'c']['a']")
        try check("{{ [1, 'a', none]|join(', ') }}|{{ users|join('-', attribute='n') }}|{{ 'abc'|join('.') }}", "1, a, None|x-y|a.b.c", context: "{\"users\": [{\"n\": \"x\"}, {\"n\": \"y\"}]}")
        try check("{{ [3, 1, 2]|first }}{{ [3, 1, 2]|last }}{{ 'xyz'|first }}{{ 'xyz'|last }}{{ []|first }}{{ {'k': 1}|first }}", "32xzk")
        try check("{{ [1, 2, 3]|reverse|list }}{{ 'abc'|reverse }}", "[3, 2, 1]cba")
        try check("{{ [3, 1, 2]|sort }}{{ ['b', 'A', 'c']|sort }}{{ ['b', 'A', 'c']|sort(case_sensitive=true) }}{{ [3, 1, 2]|sort(reverse=true) }}{{ users|sort(attribute='a')|map(attribute='n')|list }}", "[1, 2, 3]['A', 'b', 'c']['A', 'b', 'c'][3, 2, 1]['y', 'x', 'z']", context: "{\"users\": [{\"a\": 2, \"n\": \"x\"}, {\"a\": 1, \"n\": \"y\"}, {\"a\": 2, \"n\": \"z\"}]}")
        try check("{% for k, v in {'b': 1, 'A': 2, 'c': 0}|dictsort %}{{ k }}{{ v }}{% endfor %}|{% for k, v in {'b': 1, 'a': 2}|dictsort(by='value') %}{{ k }}{% endfor %}", "A2b1c0|ba")
        try check("{{ ['a', 'A', 'b', 'a']|unique|list }}{{ ['a', 'A']|unique(case_sensitive=true)|list }}{{ users|unique(attribute='a')|list|length }}", "['a', 'b']['a', 'A']2", context: "{\"users\": [{\"a\": 1}, {\"a\": 1, \"z\": 2}, {\"a\": 3}]}")
        try check("{{ [1, 2, 3, 4, 5]|batch(2)|list }}{{ [1, 2, 3]|batch(2, 'x')|list }}", "[[1, 2], [3, 4], [5]][[1, 2], [3, 'x']]")
        try check("{{ [3, 1, 2]|min }}{{ [3, 1, 2]|max }}{{ ['b', 'A']|min }}{{ []|max }}{{ users|max(attribute='a') }}{{ [1, 2, 3]|sum }}{{ users|sum(attribute='a') }}", "13A{'a': 5}67", context: "{\"users\": [{\"a\": 2}, {\"a\": 5}]}")
    }

    /// select/reject with tests, selectattr/rejectattr, map by attribute or filter.
    func testSelectRejectMap() throws {
        try check("{{ users|selectattr('a')|list }}{{ users|rejectattr('a')|list }}{{ users|selectattr('a', 'equalto', 2)|list }}", "[{'a': 1}, {'a': 2}][{'a': 0}, {'b': 1}][{'a': 2}]", context: "{\"users\": [{\"a\": 1}, {\"a\": 0}, {\"a\": 2}, {\"b\": 1}]}")
        try check("{{ [1, 2, 3, 4]|select('odd')|list }}{{ [1, 2, 3, 4]|reject('odd')|list }}{{ [0, 1, '', 'a']|select|list }}{{ [1, 2, 3]|select('gt', 1)|list }}{{ ['a', 'b']|reject('in', ['a'])|list }}", "[1, 3][2, 4][1, 'a'][2, 3]['b']")
        try check("{{ users|map(attribute='a')|list }}{{ users|map(attribute='a', default='?')|list }}{{ ['a', 'b']|map('upper')|list }}{{ [[1, 2], [3]]|map('join', '+')|list }}", "[1, Undefined][1, '?']['A', 'B']['1+2', '3']", context: "{\"users\": [{\"a\": 1}, {\"b\": 1}]}")
    }

    /// select/map/unique/items/reverse results are truthy, unindexable, consumed once.
    func testFilterResultsAreOneShotGenerators() throws {
        try check("{% if messages|selectattr('role', 'equalto', 'zzz') %}truthy{% endif %}|{{ (messages|selectattr('role'))[0] }}|{{ messages|selectattr('role')|list|length }}", "truthy||1", context: "{\"messages\": [{\"role\": \"a\"}]}")
        try check("{% set users = messages|map(attribute='role') %}{{ users|join(',') }}/{{ users|join(',') }}/{{ (messages|reverse)[0] }}/{{ messages|reverse|map(attribute='role')|first }}", "a,b///b", context: "{\"messages\": [{\"role\": \"a\"}, {\"role\": \"b\"}]}")
        try check("{% set g = [1, 2, 3]|select %}{{ g|first }}{{ g|list }}{{ 2 in ([1, 2]|select) }}{{ [1, 2]|select is iterable }}{{ [1, 2]|select is sequence }}", "1[2, 3]TrueTrueFalse")
    }

    /// default (with boolean), int, float, round, abs.
    func testDefaultAndConversions() throws {
        try check("{{ x|default('d') }}{{ ''|default('d') }}{{ ''|default('d', true) }}{{ none|d('e') }}{{ 0|d('z', boolean=true) }}", "ddNonez")
        try check("{{ '42'|int }}{{ '42.7'|int }}{{ 'x'|int }}{{ 'x'|int(5) }}{{ 3.9|int }}{{ '0x1A'|int(0, 16) }}{{ ' 7 '|int }}{{ '1_000'|int }}{{ true|int }}", "424205326710001")
        try check("{{ '4.5'|float }}{{ 'x'|float }}{{ 3|float }}{{ '1e3'|float }}", "4.50.03.01000.0")
        try check("{{ 2.5|round }}{{ 3.5|round }}{{ 2.675|round(2) }}{{ 3|round }}{{ 2.1|round(method='ceil') }}{{ 2.9|round(0, 'floor') }}{{ -2.5|round }}", "2.04.02.6733.02.0-2.0")
        try check("{{ -3|abs }}{{ -3.5|abs }}", "33.5")
    }
}
