/// The bytes each token renders as (llama.cpp `token_to_piece` with `special = true`), stored flat.
struct TokenPieces: Sendable {
    private let storage: [UInt8]
    private let offsets: [Int32]

    init(tokens: [String], attributes: [TokenAttributes]) {
        var storage: [UInt8] = []
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(tokens.count + 1)
        for (text, attr) in zip(tokens, attributes) {
            if !attr.isDisjoint(with: [.control, .unknown, .userDefined]) {
                storage.append(contentsOf: text.utf8)
            } else if attr.contains(.normal) {
                storage.append(contentsOf: ByteLevel.decode(text))
            } else if attr.contains(.byte) {
                storage.append(Self.byteValue(text))
            }
            // Unused and undefined tokens render as nothing.
            offsets.append(Int32(storage.count))
        }
        self.storage = storage
        self.offsets = offsets
    }

    /// The piece of `id`; empty for ids outside the vocabulary.
    func bytes(of id: Int32) -> ArraySlice<UInt8> {
        guard id >= 0, Int(id) + 1 < offsets.count else { return [] }
        return storage[Int(offsets[Int(id)])..<Int(offsets[Int(id) + 1])]
    }

    /// The byte of a `<0xXX>` token (llama.cpp reads the two hex digits at offset 3).
    private static func byteValue(_ text: String) -> UInt8 {
        let u = Array(text.utf8)
        guard u.count >= 5, let v = UInt8(String(decoding: u[3..<5], as: UTF8.self), radix: 16) else { return 0 }
        return v
    }

    /// llama.cpp's `clean_spaces` pass of `llama_detokenize`, kept byte for byte (including its
    /// in-place quirks): drops the space before ? ! . , and before 's 'm 're 've, and the spaces
    /// around a lone apostrophe.
    static func cleanSpaces(_ text: inout [UInt8]) {
        let space = UInt8(ascii: " "), apostrophe = UInt8(ascii: "'")
        var total = text.count

        let total1 = total
        total = total > 0 ? 1 : 0
        var i = 1
        while i < total1 {
            let x = text[i]
            if text[i - 1] == space, x == UInt8(ascii: "?") || x == UInt8(ascii: "!") || x == UInt8(ascii: ".") || x == UInt8(ascii: ",") {
                total -= 1
            }
            text[total] = x
            total += 1
            i += 1
        }

        let total2 = total
        total = total > 0 ? 1 : 0
        i = 1
        while i < total2 {
            let x = text[i]
            if x == apostrophe && i + 1 < total2 && text[i - 1] == space && text[i + 1] == space {
                total -= 1
                i += 1
                text[i] = 0
            }
            text[total] = x
            total += 1
            i += 1
        }

        let total3 = total
        total = total > 0 ? 1 : 0
        i = 1
        while i < total3 {
            let x = text[i]
            if text[i - 1] == space && x == apostrophe && i + 1 < total3 {
                let x1 = text[i + 1]
                if x1 == UInt8(ascii: "s") || x1 == UInt8(ascii: "m") {
                    total -= 1
                } else if i + 2 < total3 {
                    let x2 = text[i + 2]
                    if (x1 == UInt8(ascii: "r") || x1 == UInt8(ascii: "v")) && x2 == UInt8(ascii: "e") { total -= 1 }
                }
            }
            text[total] = x
            total += 1
            i += 1
        }
        text.removeSubrange(total...)
    }
}
