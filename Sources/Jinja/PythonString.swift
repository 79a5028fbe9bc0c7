import Foundation

/// Python `str` and sequence algorithms over Unicode code points (not Swift grapheme clusters).
enum Python {
    /// `seq[start:stop:step]`; nil when `step` is zero (a ValueError in Python).
    static func slice<T>(_ items: [T], _ start: Int?, _ stop: Int?, _ step: Int?) -> [T]? {
        let n = items.count
        let st = step ?? 1
        guard st != 0 else { return nil }
        let lower = st > 0 ? 0 : -1
        let upper = st > 0 ? n : n - 1
        func adjust(_ v: Int?, _ dflt: Int) -> Int {
            guard var x = v else { return dflt }
            if x < 0 {
                x += n
                if x < lower { x = lower }
            } else if x > upper {
                x = upper
            }
            return x
        }
        let a = adjust(start, st > 0 ? lower : upper)
        let b = adjust(stop, st > 0 ? upper : lower)
        var out: [T] = []
        var i = a
        while st > 0 ? i < b : i > b {
            out.append(items[i])
            i += st
        }
        return out
    }

    /// Python float `divmod`, matching CPython's `float_divmod` rounding.
    static func floatDivmod(_ vx: Double, _ wx: Double) -> (Double, Double) {
        var mod = fmod(vx, wx)
        var div = (vx - mod) / wx
        if mod != 0 {
            if (wx < 0) != (mod < 0) {
                mod += wx
                div -= 1
            }
        } else {
            mod = copysign(0, wx)
        }
        var floordiv: Double
        if div != 0 {
            floordiv = div.rounded(.down)
            if div - floordiv > 0.5 { floordiv += 1 }
        } else {
            floordiv = copysign(0, vx / wx)
        }
        return (floordiv, mod)
    }

    /// Code-point order (byte order of UTF-8 equals code-point order).
    static func compareCodePoints(_ a: String, _ b: String) -> Int {
        var i = a.utf8.makeIterator(), j = b.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    static func scalars(_ s: String) -> [Unicode.Scalar] { Array(s.unicodeScalars) }

    static func string<C: Collection>(_ scalars: C) -> String where C.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// Python's clamping of optional `start`/`end` arguments to `0...n`.
    static func bounds(_ start: Int?, _ end: Int?, count n: Int) -> (Int, Int) {
        func clamp(_ v: Int?, _ dflt: Int) -> Int {
            guard var x = v else { return dflt }
            if x < 0 { x = max(0, x + n) }
            return min(x, n)
        }
        return (clamp(start, 0), clamp(end, n))
    }

    /// Index of the first occurrence of `needle` in `hay[from..<to]`, in code points.
    static func find(_ hay: [Unicode.Scalar], _ needle: [Unicode.Scalar], from: Int = 0, to: Int? = nil) -> Int? {
        let end = to ?? hay.count
        guard from <= end, needle.count <= end - from else { return nil }
        if needle.isEmpty { return from }
        var i = from
        let last = end - needle.count
        let first = needle[0]
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < needle.count, hay[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    static func rfind(_ hay: [Unicode.Scalar], _ needle: [Unicode.Scalar], from: Int = 0, to: Int? = nil) -> Int? {
        let end = to ?? hay.count
        guard from <= end, needle.count <= end - from else { return nil }
        var i = end - needle.count
        while i >= from {
            if hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }

    static func find(_ hay: String, _ needle: String) -> Int? {
        find(scalars(hay), scalars(needle))
    }

    static func count(_ hay: [Unicode.Scalar], _ needle: [Unicode.Scalar], from: Int, to: Int) -> Int {
        guard from <= to else { return 0 }
        if needle.isEmpty { return to - from + 1 }
        var n = 0, i = from
        while let j = find(hay, needle, from: i, to: to) {
            n += 1
            i = j + needle.count
        }
        return n
    }

    static func replace(_ s: String, _ old: String, _ new: String, count limit: Int = -1) -> String {
        let hay = scalars(s), needle = scalars(old), repl = scalars(new)
        var out: [Unicode.Scalar] = []
        var done = 0
        if needle.isEmpty {
            for (i, c) in hay.enumerated() {
                if limit < 0 || done < limit {
                    out += repl
                    done += 1
                }
                out.append(c)
                _ = i
            }
            if limit < 0 || done < limit { out += repl }
            return string(out)
        }
        var i = 0
        while limit < 0 || done < limit, let j = find(hay, needle, from: i) {
            out += hay[i..<j]
            out += repl
            i = j + needle.count
            done += 1
        }
        out += hay[i...]
        return string(out)
    }

    /// `str.split(sep, maxsplit)`; `sep == nil` splits on runs of whitespace.
    static func split(_ s: String, _ sep: String?, maxsplit: Int = -1) -> [String] {
        let hay = scalars(s)
        guard let sep else {
            var parts: [String] = []
            var i = 0
            let n = hay.count
            while true {
                while i < n, isPythonSpace(hay[i]) { i += 1 }
                if i >= n { break }
                if maxsplit >= 0, parts.count >= maxsplit {
                    // The remainder keeps its trailing whitespace, as CPython's split does.
                    parts.append(string(hay[i..<n]))
                    break
                }
                let start = i
                while i < n, !isPythonSpace(hay[i]) { i += 1 }
                parts.append(string(hay[start..<i]))
            }
            return parts
        }
        let needle = scalars(sep)
        var parts: [String] = []
        var i = 0
        while maxsplit < 0 || parts.count < maxsplit, let j = find(hay, needle, from: i) {
            parts.append(string(hay[i..<j]))
            i = j + needle.count
        }
        parts.append(string(hay[i...]))
        return parts
    }

    /// `str.rsplit(sep, maxsplit)`.
    static func rsplit(_ s: String, _ sep: String?, maxsplit: Int = -1) -> [String] {
        if maxsplit < 0 { return split(s, sep, maxsplit: -1) }
        let hay = scalars(s)
        var parts: [String] = []
        guard let sep else {
            var i = hay.count
            while true {
                while i > 0, isPythonSpace(hay[i - 1]) { i -= 1 }
                if i <= 0 { break }
                if parts.count >= maxsplit {
                    parts.append(string(hay[0..<i]))
                    break
                }
                let end = i
                while i > 0, !isPythonSpace(hay[i - 1]) { i -= 1 }
                parts.append(string(hay[i..<end]))
            }
            return parts.reversed()
        }
        let needle = scalars(sep)
        var end = hay.count
        while parts.count < maxsplit, let j = rfind(hay, needle, from: 0, to: end) {
            parts.append(string(hay[(j + needle.count)..<end]))
            end = j
        }
        parts.append(string(hay[0..<end]))
        return parts.reversed()
    }

    /// `str.strip/lstrip/rstrip(chars)`; `chars == nil` strips Unicode whitespace.
    static func strip(_ s: String, _ chars: String?, left: Bool = true, right: Bool = true) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let strip: (Unicode.Scalar) -> Bool = { c in set.map { $0.contains(c) } ?? isPythonSpace(c) }
        let hay = s.unicodeScalars
        var start = hay.startIndex, end = hay.endIndex
        if left { while start < end, strip(hay[start]) { start = hay.index(after: start) } }
        if right {
            while end > start {
                let p = hay.index(before: end)
                guard strip(hay[p]) else { break }
                end = p
            }
        }
        return String(hay[start..<end])
    }

    static func splitlines(_ s: String, keepends: Bool = false) -> [String] {
        let hay = scalars(s)
        var lines: [String] = []
        var i = 0, start = 0
        while i < hay.count {
            let c = hay[i]
            var eol = 0
            switch c.value {
            case 0x0D: eol = i + 1 < hay.count && hay[i + 1] == "\n" ? 2 : 1
            case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029: eol = 1
            default: break
            }
            if eol > 0 {
                lines.append(string(hay[start..<(keepends ? i + eol : i)]))
                i += eol
                start = i
            } else {
                i += 1
            }
        }
        if start < hay.count { lines.append(string(hay[start...])) }
        return lines
    }

    /// `str.lower()`: full case mapping, with Python's final-sigma rule for U+03A3.
    static func lower(_ s: String) -> String {
        guard s.unicodeScalars.contains("\u{3A3}") else { return s.lowercased() }
        return lower(scalars(s), from: 0)
    }

    static func upper(_ s: String) -> String { s.uppercased() }

    /// Lower-cases `scalars[from...]`.
    private static func lower(_ scalars: [Unicode.Scalar], from start: Int) -> String {
        var out = ""
        for i in start..<scalars.count { out += lowerMapping(scalars, i) }
        return out
    }

    /// CPython's lower-casing of one character in context: Σ becomes ς at the end of a word
    /// (a cased letter before it and none after it, skipping case-ignorable characters).
    static func lowerMapping(_ scalars: [Unicode.Scalar], _ i: Int) -> String {
        let c = scalars[i]
        guard c == "\u{3A3}" else { return c.properties.lowercaseMapping }
        var j = i - 1
        while j >= 0, scalars[j].properties.isCaseIgnorable { j -= 1 }
        var finalSigma = j >= 0 && scalars[j].properties.isCased
        if finalSigma {
            var k = i + 1
            while k < scalars.count, scalars[k].properties.isCaseIgnorable { k += 1 }
            finalSigma = k == scalars.count || !scalars[k].properties.isCased
        }
        return finalSigma ? "\u{3C2}" : "\u{3C3}"
    }

    /// `str.casefold()`: full Unicode case folding.
    static func casefold(_ s: String) -> String {
        s.folding(options: [.caseInsensitive], locale: nil)
    }

    /// `str.swapcase()`.
    static func swapcase(_ s: String) -> String {
        let cs = scalars(s)
        var out = ""
        for (i, c) in cs.enumerated() {
            if c.properties.isUppercase {
                out += lowerMapping(cs, i)
            } else if c.properties.isLowercase {
                out += c.properties.uppercaseMapping
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `str.capitalize()`: first code point title-cased, the rest lower-cased.
    static func capitalize(_ s: String) -> String {
        let cs = scalars(s)
        guard let first = cs.first else { return s }
        return first.properties.titlecaseMapping + lower(cs, from: 1)
    }

    /// `str.title()`: title-case after an uncased character, lower-case after a cased one.
    static func title(_ s: String) -> String {
        let cs = scalars(s)
        var out = ""
        var previousCased = false
        for (i, c) in cs.enumerated() {
            out += previousCased ? lowerMapping(cs, i) : c.properties.titlecaseMapping
            previousCased = c.properties.isCased
        }
        return out
    }

    /// `str.center(width, fill)`, with CPython's placement of the odd padding character.
    static func center(_ s: String, _ width: Int, _ fill: Unicode.Scalar = " ") -> String {
        let n = s.unicodeScalars.count
        guard width > n else { return s }
        let marg = width - n
        let left = marg / 2 + (marg & width & 1)
        let pad = { (k: Int) in String(String.UnicodeScalarView(repeatElement(fill, count: k))) }
        return pad(left) + s + pad(marg - left)
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool {
        c.properties.numericType == .decimal || c.properties.numericType == .digit
    }

    static func isAlpha(_ c: Unicode.Scalar) -> Bool {
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// Regex `\w` for str patterns: alphanumerics and underscore.
    static func isWordChar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || isAlpha(c) || c.properties.numericType != nil
    }
}
