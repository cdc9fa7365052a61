import CSixplaneCrypto

/// What the processor offers the crypto kernels.
public enum CPU {
    /// AVX2 (x86-64 since 2013): Salsa20 and Poly1305 then run eight and four lanes wide (SixplaneKernelsAVX2).
    public static let hasAVX2: Bool = sixplane_cpu_has_avx2() != 0
}
