import Foundation
import GGUF
import Generation
import HTTP
import Inference
import Server
import Tokenizers
import TestSupport
import XCTest

/// One server per model for the whole test process, on an ephemeral loopback port: TinyModel for the tests of
/// HTTP and OpenAI behaviour, the real SmolLM2 for the few that check its text (RealModelServerTests). Either is
/// served as "smollm2", so request bodies do not change with the model behind them.
final class ServerHarness: @unchecked Sendable {
    enum Model: Sendable { case tiny, smolLM2 }

    // Built once under `lock`; read-only afterwards.
    let api: OpenAIServer
    let http: HTTPServer
    let engine: Engine
    var port: Int { http.port }

    static let apiKey = "test-key-123"
    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared: [Model: ServerHarness] = [:]

    static func get(_ model: Model = .tiny) throws -> ServerHarness {
        lock.lock()
        defer { lock.unlock() }
        if let s = shared[model] { return s }
        let s = try ServerHarness(model)
        shared[model] = s
        return s
    }

    private init(_ model: Model) throws {
        let (file, weights) = try model == .tiny ? TinyModel.load() : TestModels.load(TestModels.smolLM2)
        let tokenizer = try Tokenizer(gguf: file)
        var config = EngineConfiguration(blockCount: 1024)
        config.maxWaiting = 64
        // TinyModel's products are too small to split, and a spinning second worker costs milliseconds a step when
        // the machine is busy with other builds; the threaded forward pass is tested elsewhere (EngineTests,
        // BatchInvarianceTests, BatchingTests' own engines).
        if model == .tiny { config.threads = 1 }
        engine = try Engine(weights: weights, tokenizer: tokenizer, configuration: config)
        engine.start()
        var options = ServerOptions(modelID: "smollm2")
        options.aliases = ["smol"]
        options.apiKeys = [Self.apiKey]
        options.corsOrigins = ["https://chat.example"]
        api = OpenAIServer(options: options)
        let prompt = try ChatPrompt.load(embedded: file.string("tokenizer.chat_template"), override: nil, tokenizer: tokenizer,
                                         warn: { _ in })
        api.setModel(ServedModel(engine: engine, prompt: prompt))
        var http = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        http.maxBodyBytes = 64 * 1024
        http.headerTimeout = .seconds(3)
        http.errorResponder = OpenAIServer.errorResponder
        http.headFilter = api.headFilter
        http.reservedPaths = ["/health", "/metrics"]
        self.http = HTTPServer(configuration: http, handler: api.handler)
        try self.http.start()
    }

    func client() throws -> TestClient { try TestClient(port: port) }

    var auth: [String: String] { ["Authorization": "Bearer \(Self.apiKey)"] }

    /// Waits until the engine has no live request and every block is free or cached.
    func waitIdle(seconds: Double = 30) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if engine.stats.idleAndClean { return true }
            usleep(20_000)
        }
        return engine.stats.idleAndClean
    }
}
