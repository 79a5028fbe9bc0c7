import XCTest
@testable import Configuration

final class ValueParsingTests: XCTestCase {
    func testSizes() {
        let table: [(String, Int)] = [
            ("1000000", 1_000_000), ("0", 0), ("512B", 512), ("64KiB", 65536), ("64kib", 65536), ("1KB", 1000),
            ("1kB", 1000), ("1K", 1024), ("512MiB", 512 << 20), ("512M", 512 << 20), ("1MB", 1_000_000),
            ("2GiB", 2 << 30), ("2G", 2 << 30), ("1.5GB", 1_500_000_000), ("1.5GiB", 3 << 29), ("1TiB", 1 << 40),
            ("2TB", 2_000_000_000_000), (" 2 GiB ", 2 << 30), ("0.5KiB", 512), ("1.0001KB", 1000),
        ]
        for (text, bytes) in table {
            XCTAssertEqual(ByteSize.parse(text), bytes, text)
        }
    }

    func testInvalidSizes() {
        for text in ["", "GiB", "lots", "-1", "-1GiB", "1.5", "1.5B", "1..5GiB", ".5GiB", "1.GiB", "2 GiB extra", "2PiB",
                     "2GiBs", "1e9", "0x10", "99999999999TiB", "9999999999999999999999"] {
            XCTAssertNil(ByteSize.parse(text), text)
        }
    }

    func testDurations() {
        let table: [(String, Double)] = [
            ("30", 30), ("0.5", 0.5), ("500ms", 0.5), ("30s", 30), ("2m", 120), ("1h", 3600), ("1.5s", 1.5),
            (" 10 s ", 10), ("250MS", 0.25), ("0", 0),
        ]
        for (text, seconds) in table {
            XCTAssertEqual(DurationText.seconds(text), seconds, text)
        }
    }

    func testInvalidDurations() {
        for text in ["", "s", "soon", "-1", "-1s", "1d", "1m30s", "1..5s", ".5", "inf", "nan", "1e3"] {
            XCTAssertNil(DurationText.seconds(text), text)
        }
    }

    func testKindsParseText() throws {
        XCTAssertEqual(try ConfigKey.Kind.integer(0...10).parse(" 7 ", relativeTo: "/"), .integer(7))
        XCTAssertEqual(try ConfigKey.Kind.size(min: 1).parse("1KiB", relativeTo: "/"), .integer(1024))
        XCTAssertEqual(try ConfigKey.Kind.duration.parse("2m", relativeTo: "/"), .seconds(120))
        XCTAssertEqual(try ConfigKey.Kind.boolean.parse("Yes", relativeTo: "/"), .flag(true))
        XCTAssertEqual(try ConfigKey.Kind.list.parse("a", relativeTo: "/"), .list(["a"]))
        XCTAssertEqual(try ConfigKey.Kind.choice(["a", "b"]).parse("B", relativeTo: "/"), .text("b"))
        XCTAssertEqual(try ConfigKey.Kind.string.parse(" keep spaces ", relativeTo: "/"), .text(" keep spaces "))
        XCTAssertEqual(try ConfigKey.Kind.path.parse("x/../y.gguf", relativeTo: "/base"), .text("/base/y.gguf"))
    }

    func testQuotedEscapesAndShortens() {
        XCTAssertEqual(quoted("abc"), "\"abc\"")
        XCTAssertEqual(quoted("a\"b\nc\td"), "\"a\\\"b\\nc\\td\"")
        XCTAssertEqual(quoted(String(repeating: "x", count: 100)), "\"" + String(repeating: "x", count: 57) + "...\"")
    }

    func testSuggestions() {
        XCTAssertEqual(KeySuggestion.nearest(to: "server.prot"), "server.port")
        XCTAssertEqual(KeySuggestion.nearest(to: "server.apikeys"), "server.api_keys")
        XCTAssertEqual(KeySuggestion.nearest(to: "engine.kv_cache_mem"), "engine.kv_cache_memory")
        XCTAssertEqual(KeySuggestion.nearest(to: "server.threads"), "engine.threads")
        XCTAssertEqual(KeySuggestion.nearest(to: "servr"), "server")
        XCTAssertEqual(KeySuggestion.nearest(to: "logs"), "log")
        XCTAssertEqual(KeySuggestion.nearest(to: "threads"), "engine.threads")
        XCTAssertNil(KeySuggestion.nearest(to: "server.completely_unrelated"))
        XCTAssertNil(KeySuggestion.nearest(to: "database"))
        XCTAssertEqual(KeySuggestion.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(KeySuggestion.editDistance("", "abc"), 3)
    }
}
