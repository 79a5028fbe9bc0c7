/// A set of Unicode scalar values as sorted, disjoint, non-adjacent ranges: a regex character class.
struct CodePointSet: Hashable, Sendable {
    private(set) var ranges: [ClosedRange<UInt32>]

    /// Every scalar value: all code points but the surrogates.
    static let any = CodePointSet([0...0xD7FF, 0xE000...0x10FFFF])
    /// ECMAScript `.`: anything but the line terminators.
    static let dot = any.subtracting(CodePointSet([0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029]))
    static let digit = CodePointSet([0x30...0x39])
    static let word = CodePointSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// ECMAScript `\s`: WhiteSpace and LineTerminator.
    static let space = CodePointSet([0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
                                     0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000,
                                     0xFEFF...0xFEFF])
    /// What a JSON string must escape: `"`, `\` and the control characters.
    static let jsonEscaped = CodePointSet([0...0x1F, 0x22...0x22, 0x5C...0x5C])

    init(_ ranges: [ClosedRange<UInt32>]) {
        let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
        var out: [ClosedRange<UInt32>] = []
        for r in sorted {
            if let last = out.last, r.lowerBound <= last.upperBound &+ 1 {
                out[out.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        self.ranges = out
    }

    init(scalar: UInt32) { self.init([scalar...scalar]) }

    var isEmpty: Bool { ranges.isEmpty }

    func contains(_ cp: UInt32) -> Bool { ranges.contains { $0.contains(cp) } }

    func union(_ other: CodePointSet) -> CodePointSet { CodePointSet(ranges + other.ranges) }

    /// Everything in `any` that is not in this set.
    var complement: CodePointSet { CodePointSet.any.subtracting(self) }

    func subtracting(_ other: CodePointSet) -> CodePointSet {
        var out: [ClosedRange<UInt32>] = []
        for r in ranges {
            var pieces = [r]
            for o in other.ranges {
                pieces = pieces.flatMap { p -> [ClosedRange<UInt32>] in
                    if o.upperBound < p.lowerBound || o.lowerBound > p.upperBound { return [p] }
                    var left: [ClosedRange<UInt32>] = []
                    if o.lowerBound > p.lowerBound { left.append(p.lowerBound...(o.lowerBound - 1)) }
                    if o.upperBound < p.upperBound { left.append((o.upperBound + 1)...p.upperBound) }
                    return left
                }
            }
            out += pieces
        }
        return CodePointSet(out)
    }

    func intersection(_ other: CodePointSet) -> CodePointSet { subtracting(subtracting(other)) }

    /// The UTF-8 encodings of the set as sequences of byte ranges (each sequence one encoded length, each range
    /// one byte position): the algorithm of Rust's `regex-syntax` `Utf8Sequences`.
    var utf8Sequences: [[ClosedRange<UInt8>]] {
        var out: [[ClosedRange<UInt8>]] = []
        var stack = Array(subtracting(CodePointSet([0xD800...0xDFFF])).ranges.reversed())
        outer: while var r = stack.popLast() {
            while true {
                var split = false
                for boundary: UInt32 in [0x7F, 0x7FF, 0xFFFF] where r.lowerBound <= boundary && boundary < r.upperBound {
                    stack.append((boundary + 1)...r.upperBound)
                    r = r.lowerBound...boundary
                    split = true
                    break
                }
                if split { continue }
                if r.upperBound <= 0x7F {
                    out.append([UInt8(r.lowerBound)...UInt8(r.upperBound)])
                    continue outer
                }
                for i: UInt32 in 1..<4 {
                    let m: UInt32 = (1 << (6 * i)) - 1
                    if r.lowerBound & ~m != r.upperBound & ~m {
                        if r.lowerBound & m != 0 {
                            stack.append(((r.lowerBound | m) + 1)...r.upperBound)
                            r = r.lowerBound...(r.lowerBound | m)
                            split = true
                            break
                        }
                        if r.upperBound & m != m {
                            stack.append((r.upperBound & ~m)...r.upperBound)
                            r = r.lowerBound...((r.upperBound & ~m) - 1)
                            split = true
                            break
                        }
                    }
                }
                if split { continue }
                var a: [UInt8] = []
                var b: [UInt8] = []
                JSONText.appendUTF8(r.lowerBound, to: &a)
                JSONText.appendUTF8(r.upperBound, to: &b)
                out.append(zip(a, b).map { $0...$1 })
                continue outer
            }
        }
        return out
    }
}
