import Foundation
import GGUF
import Inference
import XCTest

/// Shared by the test targets that need a real model. The real test models, fetched by `scripts/fetch-models` into `models/` at the package root.
public enum TestModels {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let smolLM2 = root.appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    public static let qwen = root.appendingPathComponent("models/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf").path

    /// Loads a model once per process; fails the test with a clear message when the file is missing.
    public static func load(_ path: String) throws -> (GGUFFile, ModelWeights) {
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("missing test model \(path): run scripts/fetch-models")
            throw CocoaError(.fileNoSuchFile)
        }
        return try cache.withLock { c in
            if let hit = c[path] { return hit }
            let file = try GGUFFile(path: path)
            let weights = try ModelWeights(file: file, config: ModelConfig(gguf: file))
            c[path] = (file, weights)
            return (file, weights)
        }
    }

    private static let cache = Mutex<[String: (GGUFFile, ModelWeights)]>([:])
}

/// A minimal lock-protected box for test-wide caches.
public final class Mutex<Value>: @unchecked Sendable {
    // All access goes through `lock`.
    private let lock = NSLock()
    private var value: Value
    public init(_ value: Value) { self.value = value }
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
