import XCTest
@testable import Configuration

final class PrecedenceTests: ConfigTestCase {
    func testOnlyAModelGivesEveryDefault() throws {
        let config = try load(flags: modelFlag)
        XCTAssertEqual(config, ServeConfig(modelPath: model))
        XCTAssertEqual(config.host, "127.0.0.1")
        XCTAssertEqual(config.port, 8080)
        XCTAssertEqual(config.apiKeys, [])
        XCTAssertEqual(config.corsOrigins, [])
        XCTAssertFalse(config.metricsRequireAuth)
        XCTAssertNil(config.tlsCertificate)
        XCTAssertNil(config.tlsKey)
        XCTAssertNil(config.modelID)
        XCTAssertEqual(config.aliases, [])
        XCTAssertNil(config.chatTemplate)
        XCTAssertEqual(config.reasoningFormat, .auto)
        XCTAssertNil(config.contextLength)
        XCTAssertNil(config.kvCacheMemory)
        XCTAssertEqual(config.kvCacheType, .f32)
        XCTAssertEqual(config.maxSequences, 64)
        XCTAssertEqual(config.maxBatchTokens, 512)
        XCTAssertEqual(config.maxWaiting, 256)
        XCTAssertEqual(config.threads, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertTrue(config.prefixCaching)
        XCTAssertEqual(config.maxBodyBytes, 4 * 1024 * 1024)
        XCTAssertEqual(config.maxHeaderBytes, 16 * 1024)
        XCTAssertEqual(config.maxConnections, 512)
        XCTAssertEqual(config.headerTimeout, 10)
        XCTAssertEqual(config.bodyTimeout, 30)
        XCTAssertEqual(config.idleTimeout, 60)
        XCTAssertEqual(config.writeTimeout, 30)
        XCTAssertEqual(config.drainTimeout, 30)
        XCTAssertEqual(config.logLevel, .info)
        XCTAssertEqual(config.logFormat, .text)
        XCTAssertFalse(config.logContent)
    }

    func testFlagThenEnvironmentThenFileThenDefault() throws {
        let yaml = "server:\n  port: 1000\nmodel:\n  path: models/m.gguf\n"
        let env = ["HEARTH_PORT": "2000"]
        let flags = ["server.port": ["3000"]]
        XCTAssertEqual(try load(yaml: yaml, env: env, flags: flags).port, 3000)
        XCTAssertEqual(try load(yaml: yaml, env: env).port, 2000)
        XCTAssertEqual(try load(yaml: yaml).port, 1000)
        XCTAssertEqual(try load(yaml: "model:\n  path: models/m.gguf\n").port, 8080)
    }

    func testPrecedenceHoldsForEveryKindOfValue() throws {
        let yaml = """
            server:
              api_keys: [file]
            model:
              path: models/m.gguf
            engine:
              kv_cache_memory: 1GiB
            limits:
              drain_timeout: 1s
            log:
              content: false
              level: debug
            """
        let env = ["HEARTH_API_KEYS": "env1,env2", "HEARTH_KV_CACHE_MEMORY": "2GiB", "HEARTH_DRAIN_TIMEOUT": "2s",
                   "HEARTH_LOG_CONTENT": "yes", "HEARTH_LOG_LEVEL": "warning"]
        let flags = ["server.api_keys": ["flag"], "engine.kv_cache_memory": ["3GiB"], "limits.drain_timeout": ["3s"],
                     "log.content": ["false"], "log.level": ["error"]]

        let all = try load(yaml: yaml, env: env, flags: flags)
        XCTAssertEqual(all.apiKeys, ["flag"])
        XCTAssertEqual(all.kvCacheMemory, 3 << 30)
        XCTAssertEqual(all.drainTimeout, 3)
        XCTAssertFalse(all.logContent)
        XCTAssertEqual(all.logLevel, .error)

        let noFlags = try load(yaml: yaml, env: env)
        XCTAssertEqual(noFlags.apiKeys, ["env1", "env2"])
        XCTAssertEqual(noFlags.kvCacheMemory, 2 << 30)
        XCTAssertEqual(noFlags.drainTimeout, 2)
        XCTAssertTrue(noFlags.logContent)
        XCTAssertEqual(noFlags.logLevel, .warning)

        let fileOnly = try load(yaml: yaml)
        XCTAssertEqual(fileOnly.apiKeys, ["file"])
        XCTAssertEqual(fileOnly.kvCacheMemory, 1 << 30)
        XCTAssertEqual(fileOnly.drainTimeout, 1)
        XCTAssertFalse(fileOnly.logContent)
        XCTAssertEqual(fileOnly.logLevel, .debug)
    }

    func testLayersCombineKeyByKey() throws {
        let yaml = "server:\n  host: 0.0.0.0\nmodel:\n  path: models/m.gguf\n"
        let config = try load(yaml: yaml, env: ["HEARTH_PORT": "9001"], flags: ["engine.threads": ["3"]])
        XCTAssertEqual(config.host, "0.0.0.0")
        XCTAssertEqual(config.port, 9001)
        XCTAssertEqual(config.threads, 3)
        XCTAssertEqual(config.modelPath, model)
    }

    func testModelCanComeFromEnvironment() throws {
        XCTAssertEqual(try load(env: ["HEARTH_MODEL": "models/m.gguf"]).modelPath, model)
    }

    func testScalarFlagTakesLastValueAndListFlagTakesAll() throws {
        let config = try load(flags: modelFlag.merging([
            "server.port": ["1", "2"], "server.api_keys": ["a", "b"], "model.aliases": ["x,y"],
        ]) { $1 })
        XCTAssertEqual(config.port, 2)
        XCTAssertEqual(config.apiKeys, ["a", "b"])
        XCTAssertEqual(config.aliases, ["x,y"], "flag values are not split on commas")
    }

    func testFlagWithNoValuesIsNotGiven() throws {
        let config = try load(env: ["HEARTH_PORT": "2000"], flags: modelFlag.merging(["server.port": []]) { $1 })
        XCTAssertEqual(config.port, 2000)
    }

    func testEnvironmentListsAreCommaSeparatedAndTrimmed() throws {
        let config = try load(env: ["HEARTH_API_KEYS": " k1 , k2,,", "HEARTH_CORS_ORIGINS": "*",
                                    "HEARTH_ALIASES": "a,b"], flags: modelFlag)
        XCTAssertEqual(config.apiKeys, ["k1", "k2"])
        XCTAssertEqual(config.corsOrigins, ["*"])
        XCTAssertEqual(config.aliases, ["a", "b"])
    }

    func testEmptyEnvironmentVariableCountsAsUnset() throws {
        let yaml = "server:\n  port: 1000\n  api_keys: [k]\nmodel:\n  path: models/m.gguf\n"
        let config = try load(yaml: yaml, env: ["HEARTH_PORT": "", "HEARTH_API_KEYS": "  "])
        XCTAssertEqual(config.port, 1000)
        XCTAssertEqual(config.apiKeys, ["k"])
    }

    func testUnlistedEnvironmentVariablesAreIgnored() throws {
        let config = try load(env: ["HEARTH_PROT": "x", "HEARTH_CONFIG": "nowhere.yaml", "PORT": "1"], flags: modelFlag)
        XCTAssertEqual(config, ServeConfig(modelPath: model))
    }

    func testBooleanSpellings() throws {
        for (text, value) in [("true", true), ("TRUE", true), ("yes", true), ("1", true),
                              ("false", false), ("No", false), ("0", false)] {
            XCTAssertEqual(try load(env: ["HEARTH_LOG_CONTENT": text], flags: modelFlag).logContent, value, text)
            XCTAssertEqual(try load(flags: modelFlag.merging(["log.content": [text]]) { $1 }).logContent, value, text)
        }
        let yaml = "model:\n  path: models/m.gguf\nengine:\n  prefix_caching: no\nlog:\n  content: yes\n"
        let config = try load(yaml: yaml)
        XCTAssertFalse(config.prefixCaching)
        XCTAssertTrue(config.logContent)
    }

    func testNoPrefixCachingFlag() throws {
        XCTAssertFalse(try load(env: ["HEARTH_PREFIX_CACHING": "true"],
                                flags: modelFlag.merging(["engine.prefix_caching": ["false"]]) { $1 }).prefixCaching)
    }

    func testDefaultConfigFileIsReadWhenPresent() throws {
        XCTAssertThrowsError(try load(), "no file and no model")
        try write("config/hearth.yaml", "server:\n  port: 1234\nmodel:\n  path: ../models/m.gguf\n")
        let config = try load()
        XCTAssertEqual(config.port, 1234)
        XCTAssertEqual(config.modelPath, model)
    }

    func testEmptyConfigPathMeansNoneNamed() throws {
        XCTAssertEqual(try load(config: "", flags: modelFlag), ServeConfig(modelPath: model))
        try write("config/hearth.yaml", "server:\n  port: 1234\n")
        XCTAssertEqual(try load(config: " ", flags: modelFlag).port, 1234, "falls back to the default file")
    }

    func testEmptyFileNullSectionsAndNullValuesAreUnset() throws {
        XCTAssertEqual(try load(yaml: "", flags: modelFlag), ServeConfig(modelPath: model))
        XCTAssertEqual(try load(yaml: "# only a comment\n", flags: modelFlag), ServeConfig(modelPath: model))
        XCTAssertEqual(try load(yaml: "~\n", flags: modelFlag), ServeConfig(modelPath: model))
        let yaml = "server:\nmodel:\n  id: ~\n  path: models/m.gguf\nengine: null\nlog:\n  level:\n"
        XCTAssertEqual(try load(yaml: yaml), ServeConfig(modelPath: model))
    }

    func testQuotedNumbersReadLikePlainOnes() throws {
        let yaml = "server:\n  port: \"9000\"\nmodel:\n  path: models/m.gguf\n  id: 1.10\nlimits:\n  drain_timeout: 1.5\n"
        let config = try load(yaml: yaml)
        XCTAssertEqual(config.port, 9000)
        XCTAssertEqual(config.modelID, "1.10", "a string key keeps the text as written")
        XCTAssertEqual(config.drainTimeout, 1.5)
    }

    func testYAMLListOrSingleValue() throws {
        let yaml = """
            server:
              api_keys: one
              cors_origins:
                - https://a.example
                - "*"
            model:
              path: models/m.gguf
              aliases: [x, y]
            """
        let config = try load(yaml: yaml)
        XCTAssertEqual(config.apiKeys, ["one"])
        XCTAssertEqual(config.corsOrigins, ["https://a.example", "*"])
        XCTAssertEqual(config.aliases, ["x", "y"])
    }

    func testChoicesAreCaseInsensitive() throws {
        let config = try load(env: ["HEARTH_LOG_FORMAT": "JSON", "HEARTH_KV_CACHE_TYPE": "F16"], flags: modelFlag)
        XCTAssertEqual(config.logFormat, .json)
        XCTAssertEqual(config.kvCacheType, .f16)
    }

    func testServedModelID() throws {
        XCTAssertEqual(try load(flags: modelFlag).servedModelID, "m")
        XCTAssertEqual(try load(env: ["HEARTH_MODEL_ID": "smol"], flags: modelFlag).servedModelID, "smol")
    }

    func testTLSPairAndChatTemplateLoad() throws {
        let cert = try write("tls/c.pem"), key = try write("tls/k.pem"), template = try write("t.jinja")
        let config = try load(flags: modelFlag.merging([
            "server.tls_cert": ["tls/c.pem"], "server.tls_key": ["tls/k.pem"], "model.chat_template": ["t.jinja"],
        ]) { $1 })
        XCTAssertEqual(config.tlsCertificate, cert)
        XCTAssertEqual(config.tlsKey, key)
        XCTAssertEqual(config.chatTemplate, template)
    }

    /// Every key in the table reaches its field: a non-default value given by flag changes the config.
    func testEveryKeyIsApplied() throws {
        try write("other.gguf")
        let baseline = try load(flags: modelFlag)
        for key in ServeConfig.keys {
            let value: [String]
            switch key.kind {
            case .string: value = ["other"]
            case .path: value = ["other.gguf"]
            case .integer: value = ["17"]  // in every range, and no default
            case .size: value = ["3KiB"]
            case .duration: value = ["7"]
            case .boolean: value = [key.defaultText == "true" ? "false" : "true"]
            case .list: value = ["x"]
            case .choice(let words): value = [words.last { $0 != key.defaultText } ?? ""]
            }
            var flags = modelFlag
            flags[key.path] = value
            if key.path == "server.tls_cert" { flags["server.tls_key"] = ["models/m.gguf"] }
            if key.path == "server.tls_key" { flags["server.tls_cert"] = ["models/m.gguf"] }
            let config = try load(flags: flags)
            XCTAssertNotEqual(config, baseline, "\(key.path) had no effect")
        }
    }

    func testApplyCoversEveryKey() {
        var config = ServeConfig(modelPath: "m")
        for key in ServeConfig.keys {
            let value: ConfigValue = switch key.kind {
            case .string, .path: .text("x")
            case .choice(let words): .text(words[0])
            case .integer, .size: .integer(1)
            case .duration: .seconds(1)
            case .boolean: .flag(true)
            case .list: .list([])
            }
            XCTAssertTrue(config.apply(key.path, value), key.path)
        }
        XCTAssertFalse(config.apply("server.nope", .text("x")))
        XCTAssertFalse(config.apply("server.port", .text("x")))
    }
}
