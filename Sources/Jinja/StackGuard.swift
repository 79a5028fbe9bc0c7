#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Detects that the current thread's native stack is nearly used up, so deep recursion on a
/// small-stack thread (e.g. 512 KiB) throws a limit error instead of crashing.
///
/// Querying the thread's stack bounds can be slow (glibc reads /proc/self/maps for the main thread),
/// so it happens only once the stack has grown `quietZone` bytes past where the guard was created.
struct StackGuard {
    private static let margin: UInt = 160 * 1024
    private static let quietZone: UInt = 64 * 1024
    private let start: UInt
    private var floor: UInt?

    init() {
        start = StackGuard.approximateStackPointer()
    }

    /// True when fewer than the safety margin's bytes remain below the current frame.
    mutating func isExhausted() -> Bool {
        let sp = StackGuard.approximateStackPointer()
        guard sp < start, start - sp > Self.quietZone else { return false }
        if floor == nil {
            if let (low, size) = StackGuard.currentThreadStack(), size > 2 * Self.margin, start > low {
                floor = low + Self.margin
            } else {
                // Unknown bounds: assume only 256 KiB remained when the guard was created.
                floor = start > 256 * 1024 ? start - 256 * 1024 + Self.margin : UInt.max
            }
        }
        return sp < (floor ?? UInt.max)
    }

    @inline(never)
    static func approximateStackPointer() -> UInt {
        var marker: UInt8 = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    /// The current thread's stack as (lowest address, size), if the platform reports it.
    static func currentThreadStack() -> (UInt, UInt)? {
        #if canImport(Darwin)
        let thread = pthread_self()
        let high = UInt(bitPattern: pthread_get_stackaddr_np(thread))
        let size = UInt(pthread_get_stacksize_np(thread))
        return high > size ? (high - size, size) : nil
        #elseif canImport(Glibc) || canImport(Musl)
        // pthread_getattr_np is a GNU extension the Glibc module does not import; look it up dynamically.
        guard let getattr = getattrNP else { return nil }
        var attr = pthread_attr_t()
        guard getattr(pthread_self(), &attr) == 0 else { return nil }
        defer { pthread_attr_destroy(&attr) }
        var address: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(&attr, &address, &size) == 0, let address else { return nil }
        return (UInt(bitPattern: address), UInt(size))
        #else
        return nil
        #endif
    }

    #if canImport(Glibc) || canImport(Musl)
    private typealias GetAttrNP = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
    private static let getattrNP: GetAttrNP? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "pthread_getattr_np") else { return nil }
        return unsafeBitCast(symbol, to: GetAttrNP.self)
    }()
    #endif
}
