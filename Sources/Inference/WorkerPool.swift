import CKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Persistent worker threads for the forward pass's parallel loops.
///
/// A forward pass runs ~4 parallel products per layer, each a few microseconds to a millisecond long; waking
/// threads through Dispatch each time cost more than the work at batch 1. Workers here spin on a generation counter
/// for a while after each job (the next one usually follows within microseconds) and then park on a condition
/// variable. `run` allocates nothing.
final class WorkerPool: @unchecked Sendable {
    // `body` is written by the one thread that calls `run` (the engine thread) before it publishes a new state, and
    // read by a worker only between that publication and its `done` increment, which `run` waits for.
    /// Threads that take parts: fewer than asked for when the system refused a thread.
    private(set) var threads: Int
    private var body: ((Int) -> Void)?
    /// generation << 8 | parts: a worker reads both at once, so it never pairs one job's part count with another's.
    private let state = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let parked = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var mutex = pthread_mutex_t()
    private var cond = pthread_cond_t()
    private var workers: [pthread_t] = []
    /// How long an idle worker spins before it parks.
    private static let spinNanoseconds: UInt64 = 2_000_000

    /// A pool of `threads` threads in all: the caller of `run` and `threads - 1` workers.
    init(threads: Int) {
        self.threads = max(1, threads)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&cond, nil)
        for index in 1..<self.threads {
            let box = Unmanaged.passRetained(WorkerStart(pool: self, index: index)).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(&thread, nil, { raw in
                let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
                start.pool.work(index: start.index)
                return nil
            }, box)
            guard rc == 0 else {
                // No thread, so no part for it: run with the workers we have rather than trap.
                Unmanaged<WorkerStart>.fromOpaque(box).release()
                self.threads = index
                break
            }
            workers.append(thread)
        }
    }

    /// Stops and joins the workers; the pool must not be used afterwards.
    func shutdown() {
        guard !stopping.exchange(true, ordering: .sequentiallyConsistent) else { return }
        wake()
        for t in workers { pthread_join(t, nil) }
    }

    deinit {
        shutdown()
        pthread_cond_destroy(&cond)
        pthread_mutex_destroy(&mutex)
    }

    /// Runs body(0..<parts) with part i on thread i % threads; returns when all parts are done. parts ≤ threads.
    func run(parts: Int, _ body: (Int) -> Void) {
        precondition(parts <= threads && parts < 256, "more parts than threads")
        if parts <= 1 {
            if parts == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            self.body = body
            done.store(0, ordering: .sequentiallyConsistent)
            let next = (state.load(ordering: .relaxed) >> 8 + 1) << 8 | parts
            state.store(next, ordering: .sequentiallyConsistent)
            if parked.load(ordering: .sequentiallyConsistent) > 0 { wake() }
            body(0)
            while done.load(ordering: .acquiring) < parts - 1 { hk_cpu_relax() }
            self.body = nil
        }
    }

    private func wake() {
        pthread_mutex_lock(&mutex)
        pthread_cond_broadcast(&cond)
        pthread_mutex_unlock(&mutex)
    }

    private func work(index: Int) {
        // The initial state, not a fresh load: a job published before this thread first ran is still its to do.
        var seen = 0
        while true {
            // Spin, then park, until a new generation is published.
            var spins = 0
            var deadline: UInt64 = 0
            while state.load(ordering: .acquiring) == seen {
                if stopping.load(ordering: .relaxed) { return }
                spins += 1
                if spins & 1023 == 0 {
                    let now = Self.nanoseconds()
                    if deadline == 0 { deadline = now + Self.spinNanoseconds } else if now > deadline {
                        pthread_mutex_lock(&mutex)
                        parked.add(1, ordering: .sequentiallyConsistent)
                        while state.load(ordering: .sequentiallyConsistent) == seen && !stopping.load(ordering: .relaxed) {
                            pthread_cond_wait(&cond, &mutex)
                        }
                        parked.subtract(1, ordering: .sequentiallyConsistent)
                        pthread_mutex_unlock(&mutex)
                    }
                }
                hk_cpu_relax()
            }
            seen = state.load(ordering: .acquiring)
            // A worker without a part in this job skips it; `run` does not wait for it.
            if index < seen & 255 {
                body?(index)
                done.add(1, ordering: .releasing)
            }
        }
    }

    private static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// What a new worker thread needs to start.
private final class WorkerStart {
    let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}
