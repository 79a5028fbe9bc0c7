import XCTest
@testable import Configuration

final class ConfigErrorTests: ConfigTestCase {
    let modelYAML = "model:\n  path: models/m.gguf\n"

    // MARK: File structure

    func testUnknownTopLevelKey() {
        assertError(yaml: "sever:\n  port: 1\n", source: "conf.yaml", keyPath: "sever", "unknown key", "did you mean server?")
        assertError(yaml: "port: 1\n", source: "conf.yaml", keyPath: "port", "unknown key", "did you mean server.port?")
        assertError(yaml: "whatever: 1\n", source: "conf.yaml", keyPath: "whatever", "unknown key (line 1)")
    }

    func testUnknownNestedKey() {
        assertError(yaml: modelYAML + "server:\n  prot: 1\n", source: "conf.yaml", keyPath: "server.prot",
                    "unknown key (did you mean server.port?) (line 4)")
        assertError(yaml: modelYAML + "server:\n  threads: 1\n", source: "conf.yaml", keyPath: "server.threads",
                    "did you mean engine.threads?")
        assertError(yaml: modelYAML + "log:\n  colour: true\n", source: "conf.yaml", keyPath: "log.colour", "unknown key")
    }

    func testUnknownKeyIsAnErrorEvenWithNoModel() {
        assertError(yaml: "server:\n  prot: 1\n", source: "conf.yaml", keyPath: "server.prot", "unknown key")
    }

    func testSectionThatIsNotAMapping() {
        assertError(yaml: "server: 5\n", source: "conf.yaml", keyPath: "server", "expected a mapping of settings, got \"5\"")
        assertError(yaml: "model:\n  - a\n", source: "conf.yaml", keyPath: "model", "expected a mapping", "got a list")
    }

    func testRootThatIsNotAMapping() {
        assertError(yaml: "- server\n", source: "conf.yaml", keyPath: "config", "expected a mapping of sections", "got a list")
        assertError(yaml: "hello\n", source: "conf.yaml", keyPath: "config", "got \"hello\"")
    }

    func testYAMLSyntaxError() {
        assertError(yaml: "server:\n  port: [1, 2\n", source: "conf.yaml", keyPath: "config", "invalid YAML at line", "column")
        assertError(yaml: "server:\n  host: \"unterminated\n", source: "conf.yaml", keyPath: "config", "invalid YAML", "line")
        assertError(yaml: "server:\n\tport: 1\n", source: "conf.yaml", keyPath: "config", "invalid YAML", "line 2")
    }

    func testDuplicateKey() {
        assertError(yaml: "server:\n  port: 1\n  port: 2\n", source: "conf.yaml", keyPath: "config", "duplicate key port")
    }

    // MARK: Wrong types in the file

    func testWrongTypeInFile() {
        assertError(yaml: modelYAML + "server:\n  port: abc\n", source: "conf.yaml", keyPath: "server.port",
                    "expected an integer, got \"abc\" (line 4)")
        assertError(yaml: modelYAML + "server:\n  port: 80.5\n", source: "conf.yaml", keyPath: "server.port",
                    "expected an integer, got \"80.5\"")
        assertError(yaml: modelYAML + "log:\n  content: maybe\n", source: "conf.yaml", keyPath: "log.content",
                    "expected true or false, got \"maybe\"")
        assertError(yaml: modelYAML + "limits:\n  max_body_bytes: lots\n", source: "conf.yaml", keyPath: "limits.max_body_bytes",
                    "expected a size", "got \"lots\"")
        assertError(yaml: modelYAML + "limits:\n  idle_timeout: soon\n", source: "conf.yaml", keyPath: "limits.idle_timeout",
                    "expected a duration", "got \"soon\"")
        assertError(yaml: modelYAML + "log:\n  format: xml\n", source: "conf.yaml", keyPath: "log.format",
                    "expected one of text, json, got \"xml\"")
        assertError(yaml: modelYAML + "engine:\n  kv_cache_type: f8\n", source: "conf.yaml", keyPath: "engine.kv_cache_type",
                    "expected one of f32, f16")
        assertError(yaml: modelYAML.replacingOccurrences(of: "  path", with: "  reasoning_format: deep\n  path"),
                    source: "conf.yaml", keyPath: "model.reasoning_format", "expected one of auto, none")
    }

    func testWrongShapeInFile() {
        assertError(yaml: modelYAML + "server:\n  api_keys:\n    a: b\n", source: "conf.yaml", keyPath: "server.api_keys",
                    "expected a list of strings, got a mapping")
        assertError(yaml: modelYAML + "server:\n  api_keys: [[a]]\n", source: "conf.yaml", keyPath: "server.api_keys",
                    "got a list in the list")
        assertError(yaml: modelYAML + "server:\n  api_keys: [a, \"\"]\n", source: "conf.yaml", keyPath: "server.api_keys",
                    "empty entry")
        assertError(yaml: modelYAML + "server:\n  port: [1]\n", source: "conf.yaml", keyPath: "server.port",
                    "expected an integer, got a list")
        assertError(yaml: modelYAML + "server:\n  host: {a: 1}\n", source: "conf.yaml", keyPath: "server.host",
                    "expected a string, got a mapping")
        assertError(yaml: modelYAML + "server:\n  host: \"\"\n", source: "conf.yaml", keyPath: "server.host", "must not be empty")
    }

    // MARK: Ranges

    func testOutOfRange() {
        assertError(yaml: modelYAML + "server:\n  port: 70000\n", source: "conf.yaml", keyPath: "server.port",
                    "must be between 0 and 65535, got 70000")
        assertError(yaml: modelYAML + "server:\n  port: -1\n", source: "conf.yaml", keyPath: "server.port",
                    "must be between 0 and 65535")
        assertError(env: ["HEARTH_MAX_BATCH_TOKENS": "8"], flags: modelFlag, source: "HEARTH_MAX_BATCH_TOKENS",
                    keyPath: "engine.max_batch_tokens", "must be at least 16, got 8")
        assertError(flags: modelFlag.merging(["engine.context_length": ["15"]]) { $1 }, source: "--context-length",
                    keyPath: "engine.context_length", "must be at least 16, got 15")
        for (path, flag) in [("engine.max_sequences", "--max-sequences"), ("engine.max_waiting", "--max-waiting"),
                             ("engine.threads", "--threads"), ("limits.max_connections", "--max-connections")] {
            assertError(flags: modelFlag.merging([path: ["0"]]) { $1 }, source: flag, keyPath: path, "must be at least 1, got 0")
        }
        assertError(flags: modelFlag.merging(["engine.kv_cache_memory": ["0"]]) { $1 }, source: "--kv-cache-memory",
                    keyPath: "engine.kv_cache_memory", "must be at least 1 bytes, got 0")
        assertError(flags: modelFlag.merging(["limits.drain_timeout": ["0s"]]) { $1 }, source: "--drain-timeout",
                    keyPath: "limits.drain_timeout", "must be longer than 0 seconds")
    }

    func testPortZeroIsAllowed() throws {
        XCTAssertEqual(try load(flags: modelFlag.merging(["server.port": ["0"]]) { $1 }).port, 0)
    }

    // MARK: Environment and flags

    func testEnvironmentWrongTypeNamesTheVariable() {
        assertError(env: ["HEARTH_PORT": "abc"], flags: modelFlag, source: "HEARTH_PORT", keyPath: "server.port",
                    "expected an integer, got \"abc\"")
        assertError(env: ["HEARTH_LOG_CONTENT": "sometimes"], flags: modelFlag, source: "HEARTH_LOG_CONTENT",
                    keyPath: "log.content", "expected true or false")
        assertError(env: ["HEARTH_KV_CACHE_MEMORY": "2GB-ish"], flags: modelFlag, source: "HEARTH_KV_CACHE_MEMORY",
                    keyPath: "engine.kv_cache_memory", "expected a size")
    }

    func testFlagWrongTypeNamesTheFlag() {
        assertError(flags: modelFlag.merging(["server.port": ["abc"]]) { $1 }, source: "--port", keyPath: "server.port",
                    "expected an integer, got \"abc\"")
        assertError(flags: modelFlag.merging(["engine.prefix_caching": ["maybe"]]) { $1 }, source: "--no-prefix-caching",
                    keyPath: "engine.prefix_caching", "expected true or false")
        assertError(flags: modelFlag.merging(["limits.header_timeout": ["10 parsecs"]]) { $1 }, source: "--header-timeout",
                    keyPath: "limits.header_timeout", "expected a duration")
        assertError(flags: modelFlag.merging(["server.api_keys": ["a", ""]]) { $1 }, source: "--api-key",
                    keyPath: "server.api_keys", "empty entry")
        assertError(flags: modelFlag.merging(["log.level": ["loud"]]) { $1 }, source: "--log-level", keyPath: "log.level",
                    "expected one of trace, debug, info, notice, warning, error, critical, got \"loud\"")
    }

    func testUnknownFlagKeyPath() {
        assertError(flags: modelFlag.merging(["server.prot": ["1"]]) { $1 }, source: "flags", keyPath: "server.prot",
                    "unknown key")
    }

    /// A bad value is reported even when a higher layer overrides it, so a broken file never goes unnoticed.
    func testBadLowerLayerIsReportedEvenWhenOverridden() {
        assertError(yaml: modelYAML + "server:\n  port: abc\n", flags: ["server.port": ["1"]], source: "conf.yaml",
                    keyPath: "server.port", "expected an integer")
        assertError(env: ["HEARTH_PORT": "abc"], flags: modelFlag.merging(["server.port": ["1"]]) { $1 },
                    source: "HEARTH_PORT", keyPath: "server.port", "expected an integer")
    }

    // MARK: Files

    func testMissingModel() {
        assertError(source: "default", keyPath: "model.path", "--model", "HEARTH_MODEL", "model.path in the config file")
        assertError(yaml: "server:\n  port: 1\n", source: "default", keyPath: "model.path", "--model")
    }

    func testModelFileNotFound() {
        assertError(yaml: "model:\n  path: models/none.gguf\n", source: "conf.yaml", keyPath: "model.path",
                    "file not found: \(dir)/models/none.gguf")
        assertError(env: ["HEARTH_MODEL": "none.gguf"], source: "HEARTH_MODEL", keyPath: "model.path",
                    "file not found: \(dir)/none.gguf")
        assertError(flags: ["model.path": ["/nonexistent/x.gguf"]], source: "--model", keyPath: "model.path",
                    "file not found: /nonexistent/x.gguf")
        assertError(flags: ["model.path": ["models"]], source: "--model", keyPath: "model.path", "is a directory")
    }

    func testMissingExplicitConfigFile() {
        guard let error = error({ () throws(ConfigError) in try load(config: "missing.yaml", flags: modelFlag) }) else { return }
        XCTAssertEqual(error.source, "missing.yaml")
        XCTAssertEqual(error.keyPath, "config")
        XCTAssertTrue(error.message.contains("config file not found: \(dir)/missing.yaml"), error.message)
    }

    func testConfigPathThatIsADirectory() {
        guard let error = error({ () throws(ConfigError) in try load(config: "models", flags: modelFlag) }) else { return }
        XCTAssertEqual(error.keyPath, "config")
        XCTAssertTrue(error.message.contains("is a directory"), error.message)
    }

    func testMissingChatTemplate() {
        assertError(yaml: modelYAML.replacingOccurrences(of: "  path", with: "  chat_template: t.jinja\n  path"),
                    source: "conf.yaml", keyPath: "model.chat_template", "file not found: \(dir)/t.jinja")
    }

    func testTLSPairIncomplete() throws {
        try write("c.pem")
        try write("k.pem")
        assertError(flags: modelFlag.merging(["server.tls_cert": ["c.pem"]]) { $1 }, source: "--tls-cert",
                    keyPath: "server.tls_cert", "server.tls_key must be set too")
        assertError(env: ["HEARTH_TLS_KEY": "k.pem"], flags: modelFlag, source: "HEARTH_TLS_KEY",
                    keyPath: "server.tls_key", "server.tls_cert must be set too")
    }

    func testTLSFilesMustExist() throws {
        try write("c.pem")
        assertError(flags: modelFlag.merging(["server.tls_cert": ["c.pem"], "server.tls_key": ["k.pem"]]) { $1 },
                    source: "--tls-key", keyPath: "server.tls_key", "file not found: \(dir)/k.pem")
        assertError(flags: modelFlag.merging(["server.tls_cert": ["nope.pem"], "server.tls_key": ["c.pem"]]) { $1 },
                    source: "--tls-cert", keyPath: "server.tls_cert", "file not found")
    }

    // MARK: Descriptions

    func testDescriptionFormat() {
        let error = ConfigError(source: "config/hearth.yaml", keyPath: "server.port", message: "expected an integer, got \"abc\"")
        XCTAssertEqual(error.description, "config/hearth.yaml: server.port: expected an integer, got \"abc\"")
        XCTAssertEqual(ConfigError(source: "a", keyPath: "b", message: "one\ntwo\r\n  three").description, "a: b: one two three")
    }

    func testEveryErrorIsOneLine() throws {
        let bad = [
            "server:\n  port: [1, 2\n", "a: b: c\n", "server:\n  host: 'x\n  port: 1\n", "\t\n", "- a\n- b\n",
            "server:\n  api_keys: [\"a\\nb\", \"\"]\n", "model:\n  path: \"line1\\nline2\"\n", "server: &a\n  <<: *a\n",
            "x: *undefined\n", "server:\n  port: 1\n  port: 2\n",
        ]
        for yaml in bad {
            try write("conf.yaml", yaml)
            guard let error = error({ () throws(ConfigError) in try load(config: "conf.yaml") }) else { continue }
            XCTAssertFalse(error.description.contains("\n"), error.description)
            XCTAssertFalse(error.description.contains("\r"), error.description)
        }
    }
}
