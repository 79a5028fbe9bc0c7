import Glibc
import Foundation
import HTTP
import OpenAI

/// What one input is put through; shared by the libFuzzer entry point and the standalone driver.
///
/// Thrown errors and error events are the expected outcome for most inputs. A failure is a trap (crash,
/// out-of-bounds access under AddressSanitizer, failed precondition), a hang (libFuzzer's `-timeout`), or
/// the parser giving different results for different chunkings of the same bytes: the property
/// `Tests/HTTPTests` asserts for its fixtures (requests compared whole, errors by status only).
enum FuzzTarget {
    /// `HEARTH_FUZZ_SKIP_CHUNKING_CHECK=1` keeps fuzzing past a known chunking-dependent parse (to reach the
    /// decoders while a parser fix is pending); every other check stays on.
    static let skipChunkingCheck = ProcessInfo.processInfo.environment["HEARTH_FUZZ_SKIP_CHUNKING_CHECK"] == "1"
    /// An input slower than this is reported on stderr as a hang.
    static let slowThresholdNanoseconds: UInt64 = 100_000_000
    /// At most this many hang reports are printed, so a slow path cannot flood the log.
    static let maxSlowReports = 20

    /// Runs one input, timing it.
    static func run(_ input: UnsafeRawBufferPointer) {
        if !Stats.started { start() }
        let bytes = [UInt8](input)
        var elapsed = time(bytes)
        if elapsed > slowThresholdNanoseconds {
            // On a shared machine a preemption or a page-fault burst makes any input slow once: run it again
            // and keep the faster time, so a report means the input itself is slow.
            let again = time(bytes)
            if again <= slowThresholdNanoseconds { Stats.noisyInputs += 1 }
            elapsed = min(elapsed, again)
        }
        Stats.inputs += 1
        if elapsed > Stats.slowestNanoseconds {
            Stats.slowestNanoseconds = elapsed
            Stats.slowestBytes = bytes.count
        }
        if elapsed > slowThresholdNanoseconds { reportSlow(bytes, elapsed) }
    }

    private static func time(_ bytes: [UInt8]) -> UInt64 {
        let begin = monotonicNanoseconds()
        exercise(bytes)
        return monotonicNanoseconds() &- begin
    }

    /// Warms lazily initialized code up outside the timings and registers the exit report.
    private static func start() {
        Stats.started = true
        exercise(warmUpRequest)
        atexit {
            let ms = Double(Stats.slowestNanoseconds) / 1e6
            printError("fuzz: slowest input \(String(format: "%.2f", ms)) ms (\(Stats.slowestBytes) bytes) "
                + "of \(Stats.inputs) inputs; \(Stats.slowInputs) over \(FuzzTarget.slowThresholdNanoseconds / 1_000_000) ms, "
                + "\(Stats.noisyInputs) more only once (not on a re-run)\n")
        }
    }

    static var warmUpRequest: [UInt8] {
        let body = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"prompt":"hi"}"#
        return Array("POST /v1/chat/completions HTTP/1.1\r\nHost: h\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
    }

    // MARK: The target

    /// Parses `bytes` as HTTP whole and in 2-3 chunks, then decodes every request body, and the raw input
    /// itself, as a chat completion and as a completion request.
    static func exercise(_ bytes: [UInt8]) {
        let hash = fnv1a(bytes)
        // One input in four gets small limits, so the 413/431 paths are reachable with short inputs.
        let limits = hash % 4 == 0
            ? HTTPRequestParser.Limits(maxHeaderBytes: 300, maxBodyBytes: 200)
            : HTTPRequestParser.Limits()
        let n = bytes.count
        let first = Int(truncatingIfNeeded: (hash >> 8) % UInt64(n + 1))
        let second = first + Int(truncatingIfNeeded: (hash >> 36) % UInt64(n - first + 1))
        let chunks = hash & 0x10 == 0
            ? [bytes[0..<first], bytes[first..<n]]
            : [bytes[0..<first], bytes[first..<second], bytes[second..<n]]
        let splits = chunks.count == 2 ? "\(first)" : "\(first) and \(second)"

        let whole = parse([bytes[...]], limits: limits)
        let split = parse(chunks, limits: limits)
        if whole.outcomes != split.outcomes && !skipChunkingCheck {
            printError("fuzz: the parser's result depends on chunking (\(n) bytes split at \(splits), "
                + "limits \(limits.maxHeaderBytes)/\(limits.maxBodyBytes)):\n"
                + "  whole: \(describe(whole.outcomes))\n  split: \(describe(split.outcomes))\n")
            fatalError("HTTPRequestParser results differ between chunkings")
        }
        for request in whole.requests {
            decode(Data(request.body))
        }
        decode(Data(bytes))
    }

    /// Calls both public decoders; a thrown `OpenAIError` is a fine outcome.
    static func decode(_ body: Data) {
        if let chat = try? ChatCompletionRequest.decode(from: body) {
            precondition(!chat.messages.isEmpty, "a decoded chat request has no messages")
        }
        _ = try? CompletionRequest.decode(from: body)
    }

    /// An event as compared across chunkings: error messages may name whichever problem was seen first, so only
    /// statuses are compared.
    enum Outcome: Equatable {
        case request(HTTPRequest)
        case error(Int)
    }

    static func parse(
        _ chunks: [ArraySlice<UInt8>], limits: HTTPRequestParser.Limits
    ) -> (outcomes: [Outcome], requests: [HTTPRequest]) {
        var parser = HTTPRequestParser(limits: limits)
        var outcomes: [Outcome] = []
        var requests: [HTTPRequest] = []
        // Every request consumes at least one byte and brings at most one other event (its head), and an error
        // ends the stream; more events than this means `next()` is producing events from nothing.
        let maxEvents = 2 * chunks.reduce(0) { $0 + $1.count } + 2
        var events = 0
        for chunk in chunks {
            parser.append(chunk)
            while let event = parser.next() {
                events += 1
                precondition(events <= maxEvents, "HTTPRequestParser emitted more events than its input allows")
                // Other events (the head of a request with a body, with its chunking-dependent
                // `expectsContinue`) are skipped, as Tests/HTTPTests/ParserHarness.swift skips them.
                if case .request(let request) = event {
                    precondition(request.body.count <= limits.maxBodyBytes, "a body beyond maxBodyBytes was accepted")
                    outcomes.append(.request(request))
                    requests.append(request)
                } else if case .error(let error) = event {
                    outcomes.append(.error(error.status.code))
                    precondition(parser.phase == .failed, "the parser is not failed after an error event")
                    precondition(parser.next() == nil, "the parser produced an event after an error")
                }
            }
        }
        return (outcomes, requests)
    }

    static func describe(_ outcomes: [Outcome]) -> String {
        let text = outcomes.map { outcome -> String in
            switch outcome {
            case .error(let code): return "error(\(code))"
            case .request(let r):
                let headers = r.headers.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
                let trailers = r.trailers.map { "\($0.name)=\($0.value)" }.joined(separator: ",")
                return "request(\(r.method) \(r.target) \(r.version) [\(headers)] body=\(r.body.count) bytes "
                    + "\(hex(r.body, limit: 64)) trailers=[\(trailers)])"
            }
        }.joined(separator: ", ")
        return "[\(text)]"
    }

    // MARK: Reports

    private static func reportSlow(_ bytes: [UInt8], _ elapsed: UInt64) {
        Stats.slowInputs += 1
        guard Stats.slowInputs <= maxSlowReports else { return }
        var saved = ""
        if let directory = ProcessInfo.processInfo.environment["HEARTH_FUZZ_ARTIFACTS"] {
            let path = directory + "slow-" + String(fnv1a(bytes), radix: 16)
            if FileManager.default.createFile(atPath: path, contents: Data(bytes)) { saved = ", saved to \(path)" }
        }
        printError("fuzz: hang report: input took \(elapsed / 1_000_000) ms twice (\(bytes.count) bytes\(saved)): "
            + "\(hex(bytes, limit: 256))\n")
    }

    /// Hex of the first `limit` bytes, with an ellipsis when truncated.
    static func hex(_ bytes: [UInt8], limit: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(2 * min(bytes.count, limit) + 3)
        for byte in bytes.prefix(limit) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self) + (bytes.count > limit ? "..." : "")
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}

/// Run-wide counters; the fuzz target runs on one thread.
enum Stats {
    nonisolated(unsafe) static var started = false
    nonisolated(unsafe) static var inputs = 0
    nonisolated(unsafe) static var slowInputs = 0
    nonisolated(unsafe) static var noisyInputs = 0
    nonisolated(unsafe) static var slowestNanoseconds: UInt64 = 0
    nonisolated(unsafe) static var slowestBytes = 0
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Writes to stderr unbuffered, so a report survives the crash that may follow.
func printError(_ text: String) {
    var text = text
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
            if written <= 0 { return }
            offset += written
        }
    }
}
