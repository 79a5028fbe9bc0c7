/// A metadata value from a GGUF header (every GGUF value type, arrays nested to any depth).
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double), bool(Bool), string(String)
    case array([GGUFValue])

    /// The value as an integer when it is any integer type that fits.
    public var int: Int? {
        switch self {
        case .uint8(let v): Int(v)
        case .int8(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .int64(let v): Int(v)
        default: nil
        }
    }

    /// The value as a Double when it is any numeric type.
    public var double: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        default: int.map(Double.init)
        }
    }

    /// The value as a String when it is a string.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as a Bool when it is a bool.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements when the value is an array.
    public var array: [GGUFValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
}

/// The on-disk type tags of GGUF metadata values (gguf.md).
enum GGUFValueType: UInt32 {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5
    case float32 = 6, bool = 7, string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12
}
