import Glibc
import Foundation
import HTTP
import Logging

/// How log lines are written: human-readable `key=value` text or one JSON object per line for log shippers.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}

/// A swift-log handler writing one line per event to a file descriptor (stderr by default), as text or JSON.
public struct HearthLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let format: LogFormat
    private let sink: LogSink

    /// A handler for `label` writing at `level` and above in `format` to `sink`.
    public init(label: String, level: Logger.Level = .info, format: LogFormat = .text, sink: LogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { $1 } }
        if let own = event.metadata { fields.merge(own) { $1 } }
        let time = Self.timestamp()
        let line: String
        switch format {
        case .text:
            var s = "\(time) \(event.level) \(label): \(event.message)"
            for (k, v) in Self.ordered(fields) { s += " \(k)=\(Self.text(v))" }
            line = s
        case .json:
            let head: [(String, String)] = [("time", time), ("level", event.level.rawValue), ("logger", label),
                                             ("message", event.message.description)]
            let members = head.map { ($0.0, JSONText.string($0.1)) } + Self.ordered(fields).map { ($0.0, Self.json($0.1)) }
            line = "{" + members.map { "\(JSONText.string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
        }
        sink.write(line + "\n")
    }

    /// Request fields first in the order people read them, then the rest by name.
    static let preferredOrder = ["id", "method", "route", "status", "prompt_tokens", "completion_tokens", "cached_tokens",
                                 "queue_ms", "ttft_ms", "engine_ms", "total_ms", "finish",
                                 "url", "path", "percent", "tensors", "bytes", "rate", "eta", "load_s"]

    static func ordered(_ fields: Logger.Metadata) -> [(String, Logger.Metadata.Value)] {
        fields.sorted { a, b in
            let ia = preferredOrder.firstIndex(of: a.key) ?? Int.max, ib = preferredOrder.firstIndex(of: b.key) ?? Int.max
            return ia != ib ? ia < ib : a.key < b.key
        }
    }

    static func text(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s):
            // Quote values a reader could not split on spaces (prompts and outputs under --log-content).
            return s.isEmpty || s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) ? JSONText.string(s) : s
        case .stringConvertible(let c): return c.description
        case .array, .dictionary: return json(value)
        }
    }

    static func json(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return JSONText.string(s)
        case .stringConvertible(let c):
            if c is Int || c is Double || c is Bool { return c.description }
            return JSONText.string(c.description)
        case .array(let items): return "[" + items.map(json).joined(separator: ",") + "]"
        case .dictionary(let d): return "{" + ordered(d).map { "\(JSONText.string($0.0)):\(json($0.1))" }.joined(separator: ",") + "}"
        }
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}

/// Where log lines go; writes are whole lines under one lock, so lines from many threads never interleave.
public final class LogSink: @unchecked Sendable {
    // `fd` is fixed at init; `lock` serializes writes.
    private let fd: Int32
    private let lock = NSLock()
    private let capture: (@Sendable (String) -> Void)?

    /// Standard error, where the server's logs go.
    public static let standardError = LogSink(fd: 2)

    /// A sink writing to an open file descriptor.
    public init(fd: Int32) {
        self.fd = fd
        self.capture = nil
    }

    /// A sink handing each line to `capture` (tests).
    public init(capture: @escaping @Sendable (String) -> Void) {
        self.fd = -1
        self.capture = capture
    }

    func write(_ line: String) {
        if let capture { return capture(line) }
        lock.lock()
        defer { lock.unlock() }
        var bytes = Array(line.utf8)  // mutable only for withUnsafeMutableBytes
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { posixWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { if errno == EINTR { continue } else { return } }
            offset += n
        }
    }
}

// At file scope, because inside `LogSink` the name `write` means its own method.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
