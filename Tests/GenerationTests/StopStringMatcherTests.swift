@testable import Generation
import XCTest

final class StopStringMatcherTests: XCTestCase {
    /// Feeds `chunks`, collecting emitted text, then flushes unless stopped.
    private func run(_ chunks: [String], stops: [String]) -> (text: String, stopped: Bool) {
        var matcher = StopStringMatcher(stops: stops)
        var output = ""
        for chunk in chunks {
            let (emit, stopped) = matcher.append(chunk)
            output += emit
            if stopped { return (output, true) }
        }
        return (output + matcher.flush(), false)
    }

    /// The specification, on whole text: cut before the stop string that completes first (earliest-starting on ties).
    private func reference(_ text: String, stops: [String]) -> (text: String, stopped: Bool) {
        let scalars = Array(text.unicodeScalars)
        let needles = stops.filter { !$0.isEmpty }.map { Array($0.unicodeScalars) }
        for end in 0...scalars.count {
            var bestStart: Int?
            for needle in needles where needle.count <= end && Array(scalars[(end - needle.count)..<end]) == needle {
                bestStart = min(bestStart ?? Int.max, end - needle.count)
            }
            if let bestStart {
                var result = String.UnicodeScalarView()
                result.append(contentsOf: scalars[..<bestStart])
                return (String(result), true)
            }
        }
        return (text, false)
    }

    /// Every split of `text` into two and three chunks at scalar boundaries, plus one scalar per chunk.
    private func splits(_ text: String) -> [[String]] {
        let scalars = Array(text.unicodeScalars)
        func piece(_ range: Range<Int>) -> String {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
        var result: [[String]] = [[text], scalars.map { String($0) }]
        for i in 0...scalars.count {
            result.append([piece(0..<i), piece(i..<scalars.count)])
            for j in i...scalars.count {
                result.append([piece(0..<i), piece(i..<j), piece(j..<scalars.count)])
            }
        }
        return result
    }

    private func assertAllSplits(_ text: String, stops: [String], expect: String, stopped: Bool, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reference(text, stops: stops).text, expect, "reference", file: file, line: line)
        for chunks in splits(text) {
            let result = run(chunks, stops: stops)
            XCTAssertEqual(result.text, expect, "chunks \(chunks)", file: file, line: line)
            XCTAssertEqual(result.stopped, stopped, "chunks \(chunks)", file: file, line: line)
        }
    }

    func testStopAcrossChunkBoundaries() {
        assertAllSplits("Hello world. Bye", stops: ["world"], expect: "Hello ", stopped: true)
        assertAllSplits("User: hi\nAssistant:", stops: ["\nAssistant:", "\nUser:"], expect: "User: hi", stopped: true)
    }

    func testNoMatchEmitsEverything() {
        assertAllSplits("Hello wor", stops: ["world"], expect: "Hello wor", stopped: false)
        assertAllSplits("abcabc", stops: ["abd", "x"], expect: "abcabc", stopped: false)
    }

    func testMultiByteCharacters() {
        assertAllSplits("Café! Ça va? 😀🙂 fin", stops: ["é!"], expect: "Caf", stopped: true)
        assertAllSplits("Café! Ça va? 😀🙂 fin", stops: ["😀🙂"], expect: "Café! Ça va? ", stopped: true)
        assertAllSplits("日本語のテキスト。終わり", stops: ["。終"], expect: "日本語のテキスト", stopped: true)
        assertAllSplits("naïve 😀 text", stops: ["😀😀"], expect: "naïve 😀 text", stopped: false)
    }

    func testEarliestCompletionWins() {
        assertAllSplits("xx END yy STOP", stops: ["STOP", "END"], expect: "xx ", stopped: true)
        // "bc" completes before "abcd" could, whatever the chunking.
        assertAllSplits("zabcd", stops: ["abcd", "bc"], expect: "za", stopped: true)
        // Both end together: the earlier-starting (longer) one cuts more.
        assertAllSplits("zab", stops: ["b", "ab"], expect: "z", stopped: true)
        assertAllSplits("aaab", stops: ["aab"], expect: "a", stopped: true)
    }

    func testStopAtStartAndEnd() {
        assertAllSplits("###rest", stops: ["###"], expect: "", stopped: true)
        assertAllSplits("text###", stops: ["###"], expect: "text", stopped: true)
    }

    func testHoldsBackOnlyPossiblePrefixes() {
        var matcher = StopStringMatcher(stops: ["STOP"])
        XCTAssertEqual(matcher.append("abc").emit, "abc")
        XCTAssertEqual(matcher.append("de S").emit, "de ")
        XCTAssertEqual(matcher.append("T").emit, "")
        XCTAssertEqual(matcher.append("x").emit, "STx")
        XCTAssertEqual(matcher.append("ST").emit, "")
        XCTAssertEqual(matcher.flush(), "ST")
        XCTAssertFalse(matcher.isStopped)
    }

    func testAfterStopEverythingIsDiscarded() {
        var matcher = StopStringMatcher(stops: ["\n"])
        XCTAssertEqual(matcher.append("line one\nline two").emit, "line one")
        XCTAssertTrue(matcher.isStopped)
        XCTAssertEqual(matcher.matchedStop, "\n")
        let later = matcher.append("more")
        XCTAssertEqual(later.emit, "")
        XCTAssertTrue(later.stopped)
        XCTAssertEqual(matcher.flush(), "")
    }

    func testNoStopsPassesThrough() {
        var matcher = StopStringMatcher(stops: ["", ""])
        XCTAssertEqual(matcher.append("any text").emit, "any text")
        XCTAssertEqual(matcher.flush(), "")
    }

    func testMatchesUnicodeScalarsLikeVLLM() {
        // "e" + COMBINING ACUTE is one Character but two scalars; vLLM (Python str) finds "e" in it, so do we.
        assertAllSplits("cafe\u{301} au lait", stops: ["e"], expect: "caf", stopped: true)
        // A precomposed "é" is a different scalar from "e".
        assertAllSplits("café au lait", stops: ["e"], expect: "café au lait", stopped: false)
    }

    /// Random texts over a small alphabet with multi-byte scalars, random stops and random chunkings against the reference.
    func testRandomizedAgainstReference() {
        var rng = SplitMix64(seed: 0x5eed)
        let alphabet: [String] = ["a", "b", "é", "😀", " ", "\n"]
        func randomString(_ maxLength: Int) -> String {
            (0..<Int(rng.next() % UInt64(maxLength + 1))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
        }
        for _ in 0..<2000 {
            let text = randomString(14)
            let stops = (0..<Int(1 + rng.next() % 3)).map { _ in randomString(3) }
            let expected = reference(text, stops: stops)
            let scalars = Array(text.unicodeScalars).map(String.init)
            var chunks: [String] = []
            var current = ""
            for scalar in scalars {
                current += scalar
                if rng.next() % 3 == 0 { chunks.append(current); current = "" }
            }
            chunks.append(current)
            let result = run(chunks, stops: stops)
            XCTAssertEqual(result.text, expected.text, "text \(text.debugDescription) stops \(stops) chunks \(chunks)")
            XCTAssertEqual(result.stopped, expected.stopped, "text \(text.debugDescription) stops \(stops)")
        }
    }
}

/// A small deterministic generator so randomized tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
