import Dispatch
import Foundation
import Glibc

/// Turns SIGINT/SIGTERM (or other signals) into a closure call on a private Dispatch queue,
/// e.g. to run `server.shutdown(drainTimeout:)`; keep the returned object alive as long as it should work.
///
/// `@unchecked Sendable`: `sources` is written once in `init` and afterwards touched only under `lock`.
public final class ShutdownSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var sources: [Int32: DispatchSourceSignal] = [:]

    /// Starts handling `signals`; `handler` receives the signal number each time one arrives.
    ///
    /// The signals' default action is disabled so Dispatch can observe them; `cancel()` restores it.
    public init(signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "hearth.shutdown-signals")
        let registered = DispatchGroup()
        for number in Set(signals) {
            // Dispatch sources see a signal only if its default action (terminate) doesn't run first.
            _ = signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.resume()
            sources[number] = source
        }
        // Registration is asynchronous; a signal arriving before it would be ignored, so wait for it (briefly).
        _ = registered.wait(timeout: .now() + 2)
    }

    /// Stops handling and restores each signal's default action.
    public func cancel() {
        lock.lock()
        let cancelled = sources
        sources = [:]
        lock.unlock()
        for (number, source) in cancelled {
            source.cancel()
            _ = signal(number, SIG_DFL)
        }
    }

    deinit {
        cancel()
    }
}
