import XCTest
@testable import Configuration

final class ReferenceTests: XCTestCase {
    func testReferenceMentionsEveryKey() {
        let reference = ServeConfig.reference
        for key in ServeConfig.keys {
            XCTAssertTrue(reference.contains(key.path), key.path)
            XCTAssertTrue(reference.contains(key.flag), key.flag)
            XCTAssertTrue(reference.contains(key.env), key.env)
            XCTAssertTrue(reference.contains(key.defaultText), key.defaultText)
            XCTAssertTrue(reference.contains(key.help.split(separator: " ").prefix(3).joined(separator: " ")), key.help)
        }
        XCTAssertTrue(reference.contains("HEARTH_CONFIG"))
        XCTAssertTrue(reference.contains("--config"))
    }

    func testReferenceFitsOneHundredColumns() {
        for line in ServeConfig.reference.split(separator: "\n", omittingEmptySubsequences: false) {
            XCTAssertLessThanOrEqual(line.count, 100, String(line))
            XCTAssertFalse(line.hasSuffix(" "), "trailing space: \(line)")
        }
    }

    func testKeyTableIsConsistent() {
        let keys = ServeConfig.keys
        XCTAssertEqual(keys.count, 34)
        XCTAssertEqual(Set(keys.map(\.path)).count, keys.count)
        XCTAssertEqual(Set(keys.map(\.flag)).count, keys.count)
        XCTAssertEqual(Set(keys.map(\.env)).count, keys.count)
        XCTAssertEqual(ServeConfig.sections, ["server", "model", "engine", "limits", "log"])
        for key in keys {
            XCTAssertTrue(key.env.hasPrefix("HEARTH_"), key.env)
            XCTAssertTrue(key.flag.hasPrefix("--"), key.flag)
            XCTAssertFalse(key.name.isEmpty, key.path)
            XCTAssertFalse(key.help.isEmpty, key.path)
        }
        XCTAssertEqual(ServeConfig.key(at: "server.api_keys")?.env, "HEARTH_API_KEYS")
        XCTAssertEqual(ServeConfig.key(at: "engine.prefix_caching")?.flag, "--no-prefix-caching")
        XCTAssertEqual(ServeConfig.key(at: "model.aliases")?.isRepeatable, true)
        XCTAssertEqual(ServeConfig.key(at: "log.content")?.isSwitch, true)
        XCTAssertEqual(ServeConfig.key(at: "engine.kv_cache_memory")?.valueName, "<size>")
    }

    /// The flag and variable names the CLI and existing users rely on.
    func testNamesMatchTheDocumentedTable() {
        let flags = ["--host", "--port", "--api-key", "--cors-origin", "--metrics-require-auth", "--allowed-host",
                     "--allow-special-in-content", "--tls-cert", "--tls-key",
                     "--model", "--model-id", "--alias", "--chat-template", "--reasoning-format", "--context-length",
                     "--kv-cache-memory", "--kv-cache-type", "--max-sequences", "--max-batch-tokens", "--max-waiting",
                     "--threads", "--no-prefix-caching", "--max-body-bytes", "--max-header-bytes", "--max-connections",
                     "--max-client-connections", "--header-timeout", "--body-timeout", "--idle-timeout", "--write-timeout", "--drain-timeout",
                     "--log-level", "--log-format", "--log-content"]
        XCTAssertEqual(ServeConfig.keys.map(\.flag), flags)
        let env = ["HOST", "PORT", "API_KEYS", "CORS_ORIGINS", "METRICS_REQUIRE_AUTH", "ALLOWED_HOSTS", "SPECIAL_IN_CONTENT", "TLS_CERT", "TLS_KEY", "MODEL",
                   "MODEL_ID", "ALIASES", "CHAT_TEMPLATE", "REASONING_FORMAT", "CONTEXT_LENGTH", "KV_CACHE_MEMORY",
                   "KV_CACHE_TYPE", "MAX_SEQUENCES", "MAX_BATCH_TOKENS", "MAX_WAITING", "THREADS", "PREFIX_CACHING",
                   "MAX_BODY_BYTES", "MAX_HEADER_BYTES", "MAX_CONNECTIONS", "CLIENT_CONNECTIONS", "HEADER_TIMEOUT", "BODY_TIMEOUT",
                   "IDLE_TIMEOUT", "WRITE_TIMEOUT", "DRAIN_TIMEOUT", "LOG_LEVEL", "LOG_FORMAT", "LOG_CONTENT"]
        XCTAssertEqual(ServeConfig.keys.map(\.env), env.map { "HEARTH_" + $0 })
        XCTAssertEqual(ServeConfig.defaultConfigPath, "config/hearth.yaml")
    }

    func testWrap() {
        XCTAssertEqual(ServeConfig.wrap("aaa bbb ccc", width: 7), ["aaa bbb", "ccc"])
        XCTAssertEqual(ServeConfig.wrap("aaa bbb", width: 8, indent: "  "), ["  aaa", "  bbb"])
        XCTAssertEqual(ServeConfig.wrap("", width: 8), [])
    }
}
