/// The character classes the pre-tokenizer regexes use (`\p{L}`, `\p{N}`, `\s`), as bits.
///
/// llama.cpp derives them from Unicode general categories (L* letters, N* numbers) and the
/// White_Space property in its generated unicode-data.cpp; Swift's `Unicode.Scalar.Properties` is the
/// same data from a newer Unicode version, so code points assigned after llama.cpp's table are
/// treated as unassigned (checked against llama.cpp 0c1e570 for all of U+0000...U+10FFFF).
enum CharacterClass {
    /// The Unicode version of llama.cpp's tables.
    static let unicodeVersion = (major: 15, minor: 1)

    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let whitespace: UInt8 = 4
    /// Set for every in-range code point, so "no flags" means out of range (llama.cpp's `as_uint() == 0`).
    static let defined: UInt8 = 0x80

    /// Classes for the Basic Multilingual Plane, computed once; surrogates are never looked up.
    private static let bmp: [UInt8] = {
        var table = [UInt8](repeating: defined, count: 0x10000)
        for cp in 0..<0x10000 {
            if let s = Unicode.Scalar(UInt32(cp)) { table[cp] = compute(s) }
        }
        return table
    }()

    /// The class bits of a code point.
    @inline(__always)
    static func of(_ cp: UInt32) -> UInt8 {
        if cp < 0x10000 { return bmp[Int(cp)] }
        guard let s = Unicode.Scalar(cp) else { return defined }
        return compute(s)
    }

    private static func compute(_ s: Unicode.Scalar) -> UInt8 {
        let p = s.properties
        if let age = p.age, (age.major, age.minor) > unicodeVersion { return defined }
        if p.isWhitespace { return defined | whitespace }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return defined | letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return defined | number
        default:
            return defined
        }
    }
}
