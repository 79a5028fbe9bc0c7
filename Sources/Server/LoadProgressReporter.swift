import Foundation
import Generation
import Logging

/// Shows weight loading: a redrawn bar (bytes, tensors, rate, ETA) on a terminal, or a log line at most every
/// `interval` seconds (and at the start and end) when stderr is a file or a pipe.
public final class LoadProgressReporter: @unchecked Sendable {
    // Called from the loading threads; `lock` guards the timing state.
    /// How progress is shown.
    public enum Style: Sendable {
        /// A single line redrawn in place with carriage returns.
        case bar
        /// Plain log lines through the logger.
        case lines(interval: Double)
    }

    private let style: Style
    private let logger: Logger
    private let write: @Sendable (String) -> Void
    private let clock: @Sendable () -> Double
    private let lock = NSLock()
    private var start: Double?
    private var lastShown = -Double.infinity
    private var finished = false

    /// A reporter in `style`; bars go to `write`, lines to `logger`; `clock` gives seconds (injectable for tests).
    public init(style: Style, logger: Logger, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
                clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime }) {
        self.style = style
        self.logger = logger
        self.write = write
        self.clock = clock
    }

    /// The style that suits standard error: a bar on a terminal, lines every 2 s otherwise.
    public static func styleForStandardError() -> Style {
        isatty(2) == 1 ? .bar : .lines(interval: 2)
    }

    /// Reports progress; shown when it is the first update, the last, or the display is due.
    public func update(_ p: LoadProgress) {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return }
        let now = clock()
        let begin = start ?? now
        if start == nil { start = now }
        let done = p.tensors >= p.totalTensors
        let due: Bool
        switch style {
        case .bar: due = now - lastShown >= 0.1
        case .lines(let interval): due = now - lastShown >= interval
        }
        guard due || done else { return }
        lastShown = now
        finished = done
        let elapsed = now - begin
        let rate = elapsed > 0 ? Double(p.bytes) / elapsed : 0
        let eta = rate > 0 ? Double(p.totalBytes - p.bytes) / rate : nil
        let fraction = p.totalBytes > 0 ? Double(p.bytes) / Double(p.totalBytes) : 1
        switch style {
        case .bar:
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            write(String(format: "\rloading weights [%@] %3d%%  %d/%d tensors  %@/%@  %@/s  ETA %@\u{1B}[K%@", bar,
                         Int(fraction * 100), p.tensors, p.totalTensors, Self.megabytes(p.bytes), Self.megabytes(p.totalBytes),
                         Self.megabytes(Int(rate)), eta.map(Self.seconds) ?? "?", done ? "\n" : ""))
        case .lines:
            logger.info("loading weights", metadata: [
                "percent": .stringConvertible(Int(fraction * 100)),
                "tensors": .string("\(p.tensors)/\(p.totalTensors)"),
                "bytes": .string("\(Self.megabytes(p.bytes))/\(Self.megabytes(p.totalBytes))"),
                "rate": .string(Self.megabytes(Int(rate)) + "/s"),
                "eta": .string(eta.map(Self.seconds) ?? "?"),
            ])
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1fMB", Double(bytes) / 1e6)
    }

    static func seconds(_ s: Double) -> String {
        s < 60 ? String(format: "%.0fs", s.rounded(.up)) : String(format: "%dm%02ds", Int(s) / 60, Int(s) % 60)
    }
}
