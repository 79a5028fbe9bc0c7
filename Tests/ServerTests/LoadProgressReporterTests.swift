import Foundation
import Inference
import Logging
@testable import Server
import TestSupport
import XCTest

/// Load progress on a fake clock: periodic plain lines when not on a terminal, a redrawn bar on one.
final class LoadProgressReporterTests: XCTestCase {
    private let total = 100 * 1_000_000

    private func progress(_ tensors: Int) -> LoadProgress {
        LoadProgress(tensors: tensors, totalTensors: 100, bytes: tensors * 1_000_000, totalBytes: total)
    }

    func testLinesComeAtMostEveryIntervalAndAtTheEnd() {
        let lines = Mutex<[String]>([]), now = Mutex(0.0)
        let logger = Logger(label: "hearth") { label in
            HearthLogHandler(label: label, format: .text, sink: LogSink(capture: { line in lines.withLock { $0.append(line) } }))
        }
        let reporter = LoadProgressReporter(style: .lines(interval: 2), logger: logger, write: { _ in XCTFail("no bar") },
                                            clock: { now.withLock { $0 } })
        // One tensor (1 MB) every 0.125 s (exact in binary, so no rounding decides what is due).
        for t in 1...100 {
            now.withLock { $0 = Double(t - 1) * 0.125 }
            reporter.update(progress(t))
        }
        reporter.update(progress(100))  // a late duplicate is not shown again

        let logged = lines.withLock { $0 }
        // t = 0, 2, 4, …, 12 s, then the final one at 12.375 s.
        XCTAssertEqual(logged.count, 8, logged.joined())
        XCTAssertTrue(logged[0].contains("loading weights percent=1 tensors=1/100 bytes=1.0MB/100.0MB rate=0.0MB/s eta=?"), logged[0])
        XCTAssertTrue(logged[1].contains("percent=17 tensors=17/100 bytes=17.0MB/100.0MB rate=8.5MB/s eta=10s"), logged[1])
        XCTAssertTrue(logged[7].contains("percent=100 tensors=100/100 bytes=100.0MB/100.0MB rate=8.1MB/s eta=0s"), logged[7])
        XCTAssertFalse(logged.joined().contains("\r"))
    }

    func testBarRedrawsInPlaceAndEndsWithANewline() {
        let out = Mutex(""), now = Mutex(0.0)
        let reporter = LoadProgressReporter(style: .bar, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() },
                                            write: { s in out.withLock { $0 += s } }, clock: { now.withLock { $0 } })
        for t in 1...100 {
            now.withLock { $0 = Double(t - 1) * 0.0625 }
            reporter.update(progress(t))
        }
        let text = out.withLock { $0 }
        let frames = text.split(separator: "\r", omittingEmptySubsequences: true)
        XCTAssertEqual(frames.count, 51, "every other update (0.125 s apart, at least 0.1 s) plus the last")
        XCTAssertTrue(frames[0].hasPrefix("loading weights [" + String(repeating: ".", count: 30) + "]   1%"), String(frames[0]))
        XCTAssertTrue(text.hasSuffix(" 100%  100/100 tensors  100.0MB/100.0MB  16.2MB/s  ETA 0s\u{1B}[K\n"), String(frames.last!))
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1)
    }
}
