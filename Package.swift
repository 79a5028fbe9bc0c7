// swift-tools-version:6.0
import PackageDescription

// Numeric C kernels are compiled for x86-64-v3 (AVX2/FMA/F16C); FMAs only where the code asks for them
// (-ffp-contract=off), so a value never depends on how the compiler vectorized a loop (batch invariance).
let kernelFlags: [CSetting] = [
    .unsafeFlags(["-O3", "-march=x86-64-v3", "-ffp-contract=off"], .when(platforms: [.linux])),
]

let package = Package(
    name: "Hearth",
    products: [
        .executable(name: "hearth", targets: ["hearth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Below the engine: kernels, model files, tokenizer, templates, HTTP, config, wire format, scheduling.
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: kernelFlags),
        .target(name: "GGUF", path: "Sources/GGUF"),
        .target(name: "Tokenizers", dependencies: ["GGUF"], path: "Sources/Tokenizers"),
        .target(name: "JSON", path: "Sources/JSON"),
        .target(name: "Jinja", dependencies: ["JSON"], path: "Sources/Jinja"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .target(name: "HTTP", dependencies: ["COpenSSL"], path: "Sources/HTTP"),
        .target(name: "Configuration", dependencies: [.product(name: "Yams", package: "Yams")], path: "Sources/Configuration"),
        .target(name: "OpenAI", dependencies: ["JSON"], path: "Sources/OpenAI"),
        .target(name: "Scheduling", path: "Sources/Scheduling"),
        // Structured output: JSON Schema -> grammar -> per-step token masks (standard library only).
        .target(name: "Grammar", path: "Sources/Grammar"),
        // Model.
        .target(name: "Inference", dependencies: ["GGUF", "CKernels"], path: "Sources/Inference"),
        // Serving.
        .target(name: "Generation", dependencies: ["Inference", "Scheduling", "Tokenizers", "Jinja", "JSON", "Grammar"], path: "Sources/Generation"),
        .target(name: "Server", dependencies: [
            "HTTP", "OpenAI", "Generation",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], path: "Sources/Server"),
        // Executable.
        .executableTarget(
            name: "hearth",
            dependencies: [
                "GGUF", "Tokenizers", "Inference", "Jinja", "HTTP", "OpenAI", "Generation", "Server", "Configuration",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/hearth"
        ),
        // Grammar benchmark: compile times and per-token mask times on the test models' vocabularies.
        .executableTarget(name: "grammar-bench", dependencies: ["Grammar", "Tokenizers", "GGUF"], path: "Sources/GrammarBench"),
        // Fuzzing: the HTTP request parser and the OpenAI request decoders (`make fuzz`; Sources/HearthFuzz).
        .executableTarget(
            name: "hearth-fuzz",
            dependencies: ["HTTP", "OpenAI"],
            path: "Sources/HearthFuzz",
            exclude: ["corpus", "hearth-fuzz.dict"],
            swiftSettings: [.enableExperimentalFeature("Extern")]
        ),
        // Tests.
        .target(name: "TestSupport", dependencies: ["Inference", "GGUF"], path: "Tests/TestSupport"),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF", "TestSupport"], path: "Tests/GGUFTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "TokenizersTests", dependencies: ["Tokenizers", "GGUF"], path: "Tests/TokenizersTests"),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja", "JSON", "Generation"], path: "Tests/JinjaTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "InferenceTests", dependencies: ["Inference", "GGUF", "Tokenizers", "TestSupport"], path: "Tests/InferenceTests"),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP"], path: "Tests/HTTPTests"),
        .testTarget(name: "OpenAITests", dependencies: ["OpenAI"], path: "Tests/OpenAITests"),
        .testTarget(name: "GenerationTests", dependencies: ["Generation", "JSON", "Inference", "GGUF", "Tokenizers", "Scheduling", "TestSupport"], path: "Tests/GenerationTests"),
        .testTarget(name: "ServerTests", dependencies: ["Server", "JSON", "HTTP", "OpenAI", "Generation", "Inference", "GGUF", "Tokenizers", "Jinja", "TestSupport"], path: "Tests/ServerTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"], path: "Tests/ConfigurationTests"),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling"], path: "Tests/SchedulingTests"),
        .testTarget(name: "GrammarTests", dependencies: ["Grammar", "Tokenizers", "GGUF", "TestSupport"], path: "Tests/GrammarTests", resources: [.copy("Fixtures")]),
        .testTarget(name: "KernelTests", dependencies: ["CKernels", "GGUF"], path: "Tests/KernelTests"),
        // The real-model tier (`make test-real`; `make test-fast` skips it, with ServerTests.RealModelServerTests):
        // assertions that hold only for the real SmolLM2 and Qwen2.5-Coder files in models/ — logits against a
        // reference, token ids against llama.cpp, batch invariance at real shapes. The rest runs on TinyModel.
        .testTarget(name: "RealModelTests", dependencies: ["Inference", "GGUF", "Tokenizers", "TestSupport"],
                    path: "Tests/RealModelTests", resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
