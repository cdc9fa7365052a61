/// LZ4 block format (no frame, no checksum): what ZeroTier compresses packet payloads with.
///
/// The decoder never trusts the input: every length is checked against what remains of the input and of the output
/// limit, and match offsets must point inside what was already produced.
public enum LZ4 {
    public enum Failure: String, Error, Sendable {
        case truncated
        case outputTooLarge
        case badOffset
    }

    /// Decodes a block, producing at most `limit` bytes.
    public static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) -> Result<[UInt8], Failure> {
        var out = [UInt8]()
        out.reserveCapacity(min(limit, max(64, input.count * 4)))
        var i = 0
        let n = input.count
        while i < n {
            let token = input[i]
            i += 1
            // Literals.
            var literals = Int(token >> 4)
            if literals == 15 {
                while true {
                    guard i < n else { return .failure(.truncated) }
                    let b = input[i]
                    i += 1
                    literals += Int(b)
                    if literals > limit { return .failure(.outputTooLarge) }
                    if b != 255 { break }
                }
            }
            guard literals <= n - i else { return .failure(.truncated) }
            guard literals <= limit - out.count else { return .failure(.outputTooLarge) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[i..<i + literals]))
            i += literals
            // The last sequence ends after its literals.
            if i == n { break }
            guard n - i >= 2 else { return .failure(.truncated) }
            let offset = Int(input[i]) | Int(input[i + 1]) << 8
            i += 2
            guard offset > 0, offset <= out.count else { return .failure(.badOffset) }
            var matchLength = Int(token & 0x0f)
            if matchLength == 15 {
                while true {
                    guard i < n else { return .failure(.truncated) }
                    let b = input[i]
                    i += 1
                    matchLength += Int(b)
                    if matchLength > limit { return .failure(.outputTooLarge) }
                    if b != 255 { break }
                }
            }
            matchLength += 4
            guard matchLength <= limit - out.count else { return .failure(.outputTooLarge) }
            // Byte by byte: a match may overlap the bytes it is producing (offset < length repeats a pattern).
            var from = out.count - offset
            for _ in 0..<matchLength {
                out.append(out[from])
                from += 1
            }
        }
        return .success(out)
    }

    public static func decompress(_ input: [UInt8], limit: Int) -> Result<[UInt8], Failure> {
        input.withUnsafeBytes { decompress($0, limit: limit) }
    }

    /// A valid LZ4 block for `input` (greedy matching over a 4-byte hash table; compatible, not byte-identical
    /// to the reference encoder). Returns nil when the result would not be smaller.
    public static func compress(_ input: [UInt8]) -> [UInt8]? {
        let n = input.count
        // Format rules: the last 5 bytes are literals and the last match starts at least 12 bytes from the end.
        let matchLimit = n - 12
        var out = [UInt8]()
        out.reserveCapacity(n)
        var table = [Int32](repeating: -1, count: 1 << 12)
        func read32(_ p: Int) -> UInt32 {
            UInt32(input[p]) | UInt32(input[p + 1]) << 8 | UInt32(input[p + 2]) << 16 | UInt32(input[p + 3]) << 24
        }
        func hash(_ v: UInt32) -> Int { Int((v &* 2_654_435_761) >> 20) }
        func writeLength(_ length: Int) {
            var l = length
            while l >= 255 {
                out.append(255)
                l -= 255
            }
            out.append(UInt8(l))
        }
        func emit(literalsFrom start: Int, to end: Int, matchLength: Int?, offset: Int) {
            let literalCount = end - start
            let matchCode = matchLength.map { $0 - 4 } ?? 0
            out.append(UInt8(min(literalCount, 15)) << 4 | UInt8(min(matchCode, 15)))
            if literalCount >= 15 { writeLength(literalCount - 15) }
            out.append(contentsOf: input[start..<end])
            guard matchLength != nil else { return }
            out.append(UInt8(offset & 0xff))
            out.append(UInt8(offset >> 8))
            if matchCode >= 15 { writeLength(matchCode - 15) }
        }
        var anchor = 0
        var p = 0
        while p < matchLimit {
            let v = read32(p)
            let h = hash(v)
            let candidate = Int(table[h])
            table[h] = Int32(p)
            if candidate >= 0, p - candidate <= 65535, read32(candidate) == v {
                var length = 4
                while p + length < n - 5 && input[candidate + length] == input[p + length] { length += 1 }
                emit(literalsFrom: anchor, to: p, matchLength: length, offset: p - candidate)
                p += length
                anchor = p
            } else {
                p += 1
            }
        }
        emit(literalsFrom: anchor, to: n, matchLength: nil, offset: 0)
        return out.count < n ? out : nil
    }
}
