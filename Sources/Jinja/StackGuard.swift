#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Detects that the current thread's native stack is nearly used up, so deep recursion on a
/// small-stack thread (e.g. 512 KiB) throws a limit error instead of crashing.
struct StackGuard {
    /// Lowest usable address: the stack's low end plus a safety margin for unwinding and deallocation.
    private let floor: UInt

    init() {
        let margin: UInt = 160 * 1024
        let current = StackGuard.approximateStackPointer()
        if let (low, size) = StackGuard.currentThreadStack(), size > 2 * margin, current > low {
            floor = low + margin
        } else {
            // Unknown bounds: assume the smallest common thread stack (512 KiB) below the current frame.
            let assumed: UInt = 512 * 1024
            floor = current > assumed ? current - assumed + margin : 0
        }
    }

    /// True when fewer than the margin's bytes remain below the current frame.
    var isExhausted: Bool {
        StackGuard.approximateStackPointer() < floor
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
