#if canImport(Glibc)
import Glibc
#endif

/// ZeroTier's memory-hard identity hash: what ties an address to a public key and makes addresses costly to forge.
///
/// SHA-512 of the public key seeds one Salsa20/20 keystream. A 2 MiB buffer is filled with the running XOR of its
/// blocks, then 131,072 rounds each swap a buffer word (picked by the buffer's own contents) with a digest word and
/// encrypt the digest with the next keystream block. The keystream never depends on the data, so it is produced in
/// large batches; the serial part is only loads, swaps and XORs.
public enum MemoryHardHash {
    public static let memorySize = 2_097_152
    /// An identity is valid only if the first digest byte is below this.
    public static let threshold: UInt8 = 17

    /// The 64-byte digest of a 64-byte public key.
    public static func digest(publicKey: [UInt8]) -> [UInt8] {
        precondition(publicKey.count == C25519.publicKeyLength)
        return withScratch { digest(publicKey: publicKey, scratch: $0) }
    }

    /// Runs `body` with a fresh 2 MiB scratch that is gone again afterwards (see `MemoryHardScratch`).
    public static func withScratch<R, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let scratch = MemoryHardScratch()
        defer { scratch.release() }
        return try body(scratch.buffer)
    }

    /// As `digest(publicKey:)`, using `scratch` (at least 2 MiB, 16-byte aligned) instead of allocating.
    public static func digest(publicKey: [UInt8], scratch memory: UnsafeMutableRawBufferPointer) -> [UInt8] {
        precondition(memory.count >= memorySize)
        var d = Hashes.sha512(publicKey)
        var salsa = Salsa20(key: Array(d[0..<32]), nonce: Array(d[32..<40]), rounds: 20)

        // Fill: block b is the XOR of keystream blocks 0...b.
        let mem = UnsafeMutableRawBufferPointer(rebasing: memory[0..<memorySize])
        salsa.keystream(mem)
        let base = mem.baseAddress!
        for offset in stride(from: 64, to: memorySize, by: 64) {
            xor64(base + offset, UnsafeRawPointer(base + offset - 64))
        }

        // Mix: the keystream continues where the fill left it, produced a batch at a time.
        let batchBlocks = 256
        withUnsafeTemporaryAllocation(byteCount: batchBlocks * 64, alignment: 64) { batch in
            d.withUnsafeMutableBytes { digest in
                let dp = digest.baseAddress!
                var used = batchBlocks
                let words = memorySize / 8
                for i in stride(from: 0, to: words, by: 2) {
                    let w0 = base.load(fromByteOffset: i * 8, as: UInt64.self)
                    let w1 = base.load(fromByteOffset: i * 8 + 8, as: UInt64.self)
                    let idx1 = Int(UInt64(bigEndian: w0) % 8) * 8
                    let idx2 = Int(UInt64(bigEndian: w1) % UInt64(words)) * 8
                    let m = base.load(fromByteOffset: idx2, as: UInt64.self)
                    base.storeBytes(of: dp.loadUnaligned(fromByteOffset: idx1, as: UInt64.self), toByteOffset: idx2, as: UInt64.self)
                    dp.storeBytes(of: m, toByteOffset: idx1, as: UInt64.self)
                    if used == batchBlocks {
                        salsa.keystream(batch)
                        used = 0
                    }
                    xor64(dp, UnsafeRawPointer(batch.baseAddress! + used * 64))
                    used += 1
                }
            }
        }
        return d
    }

    /// `destination[0..<64] ^= source[0..<64]`, sixteen bytes at a time (a `SIMD64<UInt8>` is compiled a byte at a
    /// time).
    @inline(__always)
    private static func xor64(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer) {
        for i in stride(from: 0, to: 64, by: 16) {
            let v = destination.loadUnaligned(fromByteOffset: i, as: SIMD2<UInt64>.self)
                ^ source.loadUnaligned(fromByteOffset: i, as: SIMD2<UInt64>.self)
            destination.storeBytes(of: v, toByteOffset: i, as: SIMD2<UInt64>.self)
        }
    }
}

/// The hash's 2 MiB, mapped from the kernel rather than allocated: glibc serves a 2 MiB request from its heap once its
/// mmap threshold has grown past that (after the first such free), and a small allocation made while the block is
/// free settles in it and pins it, so that the next request takes another 2 MiB. A loop making identities grew by
/// 2 MiB for each that way, to the machine's whole memory. Allocated only if the kernel refuses the mapping.
public struct MemoryHardScratch: @unchecked Sendable {
    // @unchecked: a pointer to memory its one user owns; it is handed between threads only with that ownership.
    public let buffer: UnsafeMutableRawBufferPointer
    private let mapped: Bool

    public init() {
        let size = MemoryHardHash.memorySize
        #if canImport(Glibc)
        let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        if let address, address != MAP_FAILED {
            buffer = UnsafeMutableRawBufferPointer(start: address, count: size)
            mapped = true
            return
        }
        #endif
        buffer = .allocate(byteCount: size, alignment: 64)
        mapped = false
    }

    /// Gives the memory back; the scratch must not be used after.
    public func release() {
        #if canImport(Glibc)
        if mapped {
            munmap(buffer.baseAddress, buffer.count)
            return
        }
        #endif
        buffer.deallocate()
    }
}
