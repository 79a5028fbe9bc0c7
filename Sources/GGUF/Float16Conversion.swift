extension DequantKernels {
    /// Widens IEEE binary16 bits to a `Float` exactly, keeping signed zeros, subnormals, infinities and NaN payloads.
    ///
    /// Done with integer ops rather than `Float(Float16)` because the default x86_64 target has no F16C, where
    /// the stdlib conversion becomes a libcall per element; this form is branch-free and vectorises.
    /// Shape: Fabian Giesen's `half_to_float_fast` — shift exponent+mantissa into place, rebias the exponent
    /// (15 → 127), then patch the two special exponents: all-ones (inf/NaN) gets the rest of the f32
    /// exponent range, zero (subnormals) is renormalised by an exact float subtraction of 2^-14.
    @inline(__always)
    static func floatFromHalfBits(_ h: UInt16) -> Float {
        let bits = UInt32(truncatingIfNeeded: h)
        let shiftedExponentMask: UInt32 = 0x7C00 &<< 13
        let magnitude = (bits & 0x7FFF) &<< 13
        let exponent = magnitude & shiftedExponentMask
        let normal = magnitude &+ ((127 - 15) &<< 23)
        let infOrNaN = normal &+ ((128 - 16) &<< 23)
        // Subnormal m·2^-24: read the bits as 2^-14·(1 + m/1024) and subtract 2^-14 (exact).
        let subnormal = (Float(bitPattern: normal &+ (1 &<< 23)) - Float(bitPattern: 113 &<< 23)).bitPattern
        let unsigned = exponent == shiftedExponentMask ? infOrNaN : (exponent == 0 ? subnormal : normal)
        return Float(bitPattern: unsigned | ((bits & 0x8000) &<< 16))
    }
}
