/// Why a GGUF file could not be read; every case names the file.
public struct GGUFError: Error, CustomStringConvertible, Equatable {
    /// What is wrong with the file.
    public enum Problem: Equatable, Sendable {
        case cannotOpen(errno: Int32)
        case badMagic(UInt32)
        case unsupportedVersion(UInt32)
        case truncated(offset: Int, needed: Int)
        case badString(offset: Int)
        case unknownValueType(UInt32, key: String)
        case arrayTooDeep(key: String)
        case duplicateKey(String)
        case duplicateTensor(String)
        case tooManyDimensions(tensor: String, dims: UInt32)
        case badShape(tensor: String)
        case unknownTensorType(tensor: String, type: UInt32)
        case badAlignment(UInt64)
        case misalignedTensor(tensor: String, offset: UInt64)
        case dataPastEnd(tensor: String, end: UInt64, fileSize: Int)
    }

    public let path: String
    public let problem: Problem

    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        let what: String
        switch problem {
        case .cannotOpen(let e): what = "cannot open (errno \(e))"
        case .badMagic(let m): what = "not a GGUF file (magic 0x\(String(m, radix: 16)))"
        case .unsupportedVersion(let v): what = "unsupported GGUF version \(v) (supported: 2, 3)"
        case .truncated(let o, let n): what = "truncated: needed \(n) bytes at offset \(o)"
        case .badString(let o): what = "string at offset \(o) is not valid UTF-8"
        case .unknownValueType(let t, let k): what = "metadata key '\(k)' has unknown value type \(t)"
        case .arrayTooDeep(let k): what = "metadata key '\(k)' nests arrays too deeply"
        case .duplicateKey(let k): what = "duplicate metadata key '\(k)'"
        case .duplicateTensor(let t): what = "duplicate tensor name '\(t)'"
        case .tooManyDimensions(let t, let d): what = "tensor '\(t)' has \(d) dimensions (at most 4)"
        case .badShape(let t): what = "tensor '\(t)' has a zero, overflowing or block-misaligned shape"
        case .unknownTensorType(let t, let ty): what = "tensor '\(t)' has unknown type id \(ty)"
        case .badAlignment(let a): what = "general.alignment \(a) is not a power of two"
        case .misalignedTensor(let t, let o): what = "tensor '\(t)' offset \(o) is not aligned"
        case .dataPastEnd(let t, let e, let s): what = "tensor '\(t)' data ends at \(e), past the end of the file (\(s) bytes)"
        }
        return "\(path): \(what)"
    }
}
