@testable import Configuration
import XCTest

/// `hearth serve`'s flags come from the key table: every key has one, parsed the same way.
final class FlagTests: XCTestCase {
    func testEveryKeyHasAFlagThatReachesItsField() throws {
        let base = ServeConfig(modelPath: "m.gguf")
        for key in ServeConfig.keys where key.path != "model.path" {
            let value: String
            switch key.kind {
            case .string, .path: value = "other"
            case .integer: value = "17"
            case .size: value = "3KiB"
            case .duration: value = "7"
            case .boolean: value = ""
            case .list: value = "x"
            case .choice(let words): value = words.last { $0 != key.defaultText } ?? ""
            }
            let arguments = ["--model", "m.gguf", key.flag] + (key.isSwitch ? [] : [value])
            let flags = try ServeConfig.flagValues(arguments)
            var config = base
            for (path, values) in flags where path != "model.path" {
                let k = try XCTUnwrap(ServeConfig.keys.first { $0.path == path })
                let parsed: ConfigValue = k.kind == .list ? .list(values) : try k.kind.parse(values[0], relativeTo: "/")
                XCTAssertTrue(config.apply(path, parsed), path)
            }
            XCTAssertNotEqual(config, base, "\(key.flag) had no effect")
        }
    }

    func testForms() throws {
        XCTAssertEqual(try ServeConfig.flagValues(["--port", "9000"]), ["server.port": ["9000"]])
        XCTAssertEqual(try ServeConfig.flagValues(["--port=9000"]), ["server.port": ["9000"]])
        XCTAssertEqual(try ServeConfig.flagValues(["--log-content"]), ["log.content": ["true"]])
        XCTAssertEqual(try ServeConfig.flagValues(["--no-prefix-caching"]), ["engine.prefix_caching": ["false"]])
        XCTAssertEqual(try ServeConfig.flagValues(["--api-key", "a", "--api-key=b"]), ["server.api_keys": ["a", "b"]])
        XCTAssertEqual(try ServeConfig.flagValues(["--port", "1", "--port", "2"]), ["server.port": ["1", "2"]])
    }

    func testMistakesNameTheFlag() {
        XCTAssertThrowsError(try ServeConfig.flagValues(["--prot", "9000"])) { error in
            XCTAssertEqual((error as? ConfigError)?.description, "flags: --prot: unknown flag (did you mean --port?); see hearth serve --help")
        }
        XCTAssertThrowsError(try ServeConfig.flagValues(["--port"])) { error in
            XCTAssertEqual((error as? ConfigError)?.description, "--port: server.port: needs a value (--port <n>)")
        }
        XCTAssertThrowsError(try ServeConfig.flagValues(["9000"])) { error in
            XCTAssertEqual((error as? ConfigError)?.keyPath, "9000")
        }
    }

    func testDefaultsShownInHelpAreTheFieldDefaults() {
        let text = Dictionary(uniqueKeysWithValues: ServeConfig.keys.map { ($0.path, $0.defaultText) })
        XCTAssertEqual(text["server.port"], "8080")
        XCTAssertEqual(text["limits.max_body_bytes"], "4MiB")
        XCTAssertEqual(text["limits.max_header_bytes"], "16KiB")
        XCTAssertEqual(text["limits.header_timeout"], "10s")
        XCTAssertEqual(text["engine.kv_cache_type"], "f32")
        XCTAssertEqual(text["server.api_keys"], "none")
        XCTAssertEqual(text["engine.prefix_caching"], "true")
        XCTAssertEqual(text["engine.threads"], "CPU count")
    }
}
