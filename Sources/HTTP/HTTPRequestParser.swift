/// Why a request could not be parsed, with the status to answer before closing the connection.
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The status to send, e.g. 400, 413, 431, 501.
    public var status: HTTPStatus
    /// A human-readable reason, suitable for the error body.
    public var message: String

    /// Creates an error with the status to answer and a message for the client.
    public init(_ status: HTTPStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code): \(message)" }
}

/// An incremental HTTP/1.1 request parser: a pure state machine that accepts bytes in any chunking.
///
/// Feed bytes with `append(_:)`, then call `next()` until it returns nil (it needs more bytes).
/// After an `.error` event the parser stays failed; the connection must answer and close.
public struct HTTPRequestParser: Sendable {
    /// Size bounds enforced while parsing.
    public struct Limits: Sendable, Equatable {
        /// Maximum bytes of request line plus header section (and, separately, of a trailer section); beyond → 431.
        public var maxHeaderBytes: Int
        /// Maximum decoded body bytes; beyond → 413.
        public var maxBodyBytes: Int

        /// Creates limits; the defaults are 16 KiB of head and 4 MiB of body.
        public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 4 * 1024 * 1024) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// What the parser produced from the bytes so far.
    public enum Event: Sendable, Equatable {
        /// The head of a request whose body follows, before any of the body is read, so the connection can refuse
        /// it early (authentication, Host and Origin checks). `expectsContinue`: the head asked for
        /// `Expect: 100-continue` and no body byte has arrived yet, so `100 Continue` is due if the request goes on.
        case head(HTTPRequest, expectsContinue: Bool)
        /// A complete request.
        case request(HTTPRequest)
        /// The bytes are not an acceptable request; answer with the error's status and close.
        case error(HTTPParseError)
    }

    /// Where the parser is within a request, so the connection can choose which timeout applies.
    public enum Phase: Sendable, Equatable {
        /// Between requests: no byte of the next request yet (empty lines before a request don't count).
        case idle
        /// Inside the request line or header section.
        case head
        /// Inside the body or trailer section.
        case body
        /// An error was reported; nothing more will be parsed.
        case failed
    }

    /// How far a scan for the empty line ending a header or trailer section got, relative to its start.
    struct ScanProgress: Equatable {
        var lineStart = 0
        var position = 0
        /// The request line is complete and well-formed (checked once, as soon as its line ends).
        var requestLineChecked = false
    }

    /// Parser states; the pending request carries the parsed head while its body arrives.
    enum State {
        case idle
        case head(ScanProgress)
        case fixedBody(HTTPRequest, remaining: Int)
        case chunkSizeLine(HTTPRequest, scanned: Int)
        case chunkData(HTTPRequest, remaining: Int)
        case chunkDataEnd(HTTPRequest)
        case trailers(HTTPRequest, ScanProgress)
        case failed
    }

    /// What one parsing step decided; `next()` applies it, so every state change happens there.
    enum Step {
        case needMoreBytes
        /// Wait for more bytes, remembering how far this state got.
        case suspend(State)
        case transition(State)
        case emit(Event, then: State)
    }

    /// A chunk-size line longer than this is refused; real ones are a few bytes plus rare extensions.
    static let maxChunkLineBytes = 4096

    private let limits: Limits
    private var state: State = .idle
    /// Received bytes; everything before `readIndex` is consumed.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// The decoded body of the request in progress.
    private var body: [UInt8] = []

    /// Creates a parser enforcing the given limits.
    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Which part of a request the parser is in.
    public var phase: Phase {
        switch state {
        case .idle: return .idle
        case .head: return .head
        case .fixedBody, .chunkSizeLine, .chunkData, .chunkDataEnd, .trailers: return .body
        case .failed: return .failed
        }
    }

    /// Whether received bytes are waiting to be parsed (e.g. a pipelined request).
    public var hasUnparsedBytes: Bool { readIndex < buffer.count }

    /// Adds received bytes; call `next()` afterwards.
    public mutating func append<Bytes: Collection>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if case .failed = state { return }
        // Compact once the consumed prefix dominates, so pipelined streams don't grow the buffer forever.
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next event the buffered bytes allow, or nil when more bytes are needed.
    public mutating func next() -> Event? {
        while true {
            let step: Step
            switch state {
            case .idle: step = skipEmptyLines()
            case .head(let progress): step = parseHead(progress)
            case .fixedBody(let request, let remaining): step = readFixedBody(request, remaining: remaining)
            case .chunkSizeLine(let request, let scanned): step = parseChunkSizeLine(request, scanned: scanned)
            case .chunkData(let request, let remaining): step = readChunkData(request, remaining: remaining)
            case .chunkDataEnd(let request): step = parseChunkDataEnd(request)
            case .trailers(let request, let progress): step = parseTrailers(request, progress)
            case .failed: return nil
            }
            switch step {
            case .needMoreBytes:
                return nil
            case .suspend(let newState):
                state = newState
                return nil
            case .transition(let newState):
                state = newState
            case .emit(let event, let newState):
                state = newState
                return event
            }
        }
    }

    private var available: Int { buffer.count - readIndex }

    private func fail(_ error: HTTPParseError) -> Step { .emit(.error(error), then: .failed) }

    // MARK: Head

    /// RFC 9112 §2.2: a server SHOULD ignore empty lines received before a request line.
    private mutating func skipEmptyLines() -> Step {
        while readIndex < buffer.count {
            switch buffer[readIndex] {
            case HTTPSyntax.lf:
                readIndex += 1
            case HTTPSyntax.cr:
                guard readIndex + 1 < buffer.count else { return .needMoreBytes }
                guard buffer[readIndex + 1] == HTTPSyntax.lf else { return .transition(.head(ScanProgress())) }
                readIndex += 2
            default:
                return .transition(.head(ScanProgress()))
            }
        }
        return .needMoreBytes
    }

    private mutating func parseHead(_ progress: ScanProgress) -> Step {
        var scan = findEmptyLine(progress)
        // The request line is judged first, as soon as it has ended (within the head limit): a line without a version
        // (HTTP/0.9's `GET /path`) gets its 400 at once rather than after the header timeout, and a bad head gets
        // the same answer however its bytes arrive. It is checked once per request.
        if !scan.progress.requestLineChecked, scan.end != nil || scan.progress.lineStart > 0 {
            let limit = min(buffer.count, readIndex + limits.maxHeaderBytes)
            if let lf = buffer[readIndex..<limit].firstIndex(of: HTTPSyntax.lf) {
                var line = buffer[readIndex..<lf]
                if line.last == HTTPSyntax.cr { line = line.dropLast() }
                do {
                    _ = try HTTPSyntax.parseRequestLine(line)
                } catch {
                    return fail(error)
                }
                scan.progress.requestLineChecked = true
            }
        }
        guard let end = scan.end else {
            if available > limits.maxHeaderBytes { return fail(Self.headTooLarge) }
            return .suspend(.head(scan.progress))
        }
        guard end - readIndex <= limits.maxHeaderBytes else { return fail(Self.headTooLarge) }
        let request: HTTPRequest
        let framing: Framing
        do {
            let lines = try splitLines(readIndex..<end)
            guard let requestLine = lines.first else { return fail(HTTPParseError(.badRequest, "Missing request line.")) }
            let line = try HTTPSyntax.parseRequestLine(requestLine)
            var headers = HTTPHeaders()
            for fieldLine in lines.dropFirst() {
                let field = try HTTPSyntax.parseFieldLine(fieldLine)
                headers.add(name: field.name, value: field.value)
            }
            request = HTTPRequest(method: line.method, target: line.target, version: line.version, headers: headers)
            framing = try Framing(request, maxBodyBytes: limits.maxBodyBytes)
        } catch {
            return fail(error)
        }
        readIndex = end
        body = []
        let bodyState: State
        switch framing.length {
        case .none:
            return .emit(.request(request), then: .idle)
        case .fixed(let length):
            body.reserveCapacity(length)
            bodyState = .fixedBody(request, remaining: length)
        case .chunked:
            bodyState = .chunkSizeLine(request, scanned: 0)
        }
        // RFC 9110 §10.1.1: a server MAY omit 100 if part of the body has already arrived.
        let expectsContinue = framing.expectsContinue && request.version == .http1_1 && available == 0
        return .emit(.head(request, expectsContinue: expectsContinue), then: bodyState)
    }

    static let headTooLarge = HTTPParseError(.requestHeaderFieldsTooLarge, "Request line and headers are too large.")
    static let trailersTooLarge = HTTPParseError(.requestHeaderFieldsTooLarge, "Trailer section is too large.")

    /// Looks for the empty line ending a section that starts at `readIndex`, resuming from `progress`.
    ///
    /// Lines end in CRLF or, as RFC 9112 §2.2 permits, a bare LF.
    private func findEmptyLine(_ progress: ScanProgress) -> (end: Int?, progress: ScanProgress) {
        var lineStart = readIndex + progress.lineStart
        var position = readIndex + progress.position
        while position < buffer.count {
            if position == lineStart {
                if buffer[position] == HTTPSyntax.lf { return (position + 1, progress) }
                if buffer[position] == HTTPSyntax.cr {
                    guard position + 1 < buffer.count else { break }
                    if buffer[position + 1] == HTTPSyntax.lf { return (position + 2, progress) }
                }
            }
            if buffer[position] == HTTPSyntax.lf { lineStart = position + 1 }
            position += 1
        }
        return (nil, ScanProgress(lineStart: lineStart - readIndex, position: position - readIndex))
    }

    /// Splits a section into its non-empty lines without terminators; a CR anywhere else is an error.
    private func splitLines(_ range: Range<Int>) throws(HTTPParseError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        for var line in buffer[range].split(separator: HTTPSyntax.lf, omittingEmptySubsequences: false) {
            if line.last == HTTPSyntax.cr { line = line.dropLast() }
            if line.isEmpty { break }
            if line.contains(HTTPSyntax.cr) { throw HTTPParseError(.badRequest, "Bare CR in message head.") }
            lines.append(line)
        }
        return lines
    }

    // MARK: Body

    private mutating func readFixedBody(_ request: HTTPRequest, remaining: Int) -> Step {
        let count = min(available, remaining)
        guard count > 0 else { return .needMoreBytes }
        body.append(contentsOf: buffer[readIndex..<readIndex + count])
        readIndex += count
        if count == remaining { return complete(request) }
        return .transition(.fixedBody(request, remaining: remaining - count))
    }

    private mutating func parseChunkSizeLine(_ request: HTTPRequest, scanned: Int) -> Step {
        let searchStart = readIndex + scanned
        guard let lf = buffer[searchStart...].firstIndex(of: HTTPSyntax.lf) else {
            if available > Self.maxChunkLineBytes { return fail(HTTPParseError(.badRequest, "Chunk size line is too long.")) }
            return .suspend(.chunkSizeLine(request, scanned: available))
        }
        // Chunk framing is where request smuggling hides, so only CRLF ends a line here.
        guard lf > readIndex, buffer[lf - 1] == HTTPSyntax.cr, lf - readIndex <= Self.maxChunkLineBytes else {
            return fail(HTTPParseError(.badRequest, "Invalid chunk size line."))
        }
        let size: Int
        do {
            size = try HTTPSyntax.parseChunkSizeLine(buffer[readIndex..<lf - 1])
        } catch {
            return fail(error)
        }
        readIndex = lf + 1
        if size == 0 { return .transition(.trailers(request, ScanProgress())) }
        guard size <= limits.maxBodyBytes - body.count else { return fail(Framing.bodyTooLarge) }
        return .transition(.chunkData(request, remaining: size))
    }

    private mutating func readChunkData(_ request: HTTPRequest, remaining: Int) -> Step {
        let count = min(available, remaining)
        guard count > 0 else { return .needMoreBytes }
        body.append(contentsOf: buffer[readIndex..<readIndex + count])
        readIndex += count
        if count == remaining { return .transition(.chunkDataEnd(request)) }
        return .transition(.chunkData(request, remaining: remaining - count))
    }

    private mutating func parseChunkDataEnd(_ request: HTTPRequest) -> Step {
        guard available > 0 else { return .needMoreBytes }
        guard buffer[readIndex] == HTTPSyntax.cr else { return fail(Self.missingChunkCRLF) }
        guard available > 1 else { return .needMoreBytes }
        guard buffer[readIndex + 1] == HTTPSyntax.lf else { return fail(Self.missingChunkCRLF) }
        readIndex += 2
        return .transition(.chunkSizeLine(request, scanned: 0))
    }

    static let missingChunkCRLF = HTTPParseError(.badRequest, "Chunk data is not followed by CRLF.")

    private mutating func parseTrailers(_ request: HTTPRequest, _ progress: ScanProgress) -> Step {
        let scan = findEmptyLine(progress)
        guard let end = scan.end else {
            if available > limits.maxHeaderBytes { return fail(Self.trailersTooLarge) }
            return .suspend(.trailers(request, scan.progress))
        }
        guard end - readIndex <= limits.maxHeaderBytes else { return fail(Self.trailersTooLarge) }
        var completed = request
        do {
            for line in try splitLines(readIndex..<end) {
                let field = try HTTPSyntax.parseFieldLine(line)
                completed.trailers.add(name: field.name, value: field.value)
            }
        } catch {
            return fail(error)
        }
        readIndex = end
        return complete(completed)
    }

    private mutating func complete(_ request: HTTPRequest) -> Step {
        var completed = request
        // Moving the body out keeps its storage uniquely referenced, so no copy is made.
        completed.body = body
        body = []
        return .emit(.request(completed), then: .idle)
    }
}
