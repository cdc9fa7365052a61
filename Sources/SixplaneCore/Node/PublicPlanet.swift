/// ZeroTier's public planet ("Earth", id 149604618, timestamp 1644592324813): the world a node uses when its home
/// directory has none. Four roots with IPv4 and IPv6 endpoints; the data is the 570-byte serialized world.
public enum PublicPlanet {
    public static let id: UInt64 = 149_604_618

    public static let bytes: [UInt8] = {
        let text =
            "010000000008eac90a0000017ee95760cdb8b388a469221491aa9acd66cc764cdefd56039f1067ae15e69c6fb42d7b55330e3fdaac529c0792fd7340a6aa21ab"
            + "a8a489fdaea44a39bf2d00659ac9c818eb3600927637ef4d1404a44d544684851379751faa79b4c4ea85040175ea065860482402e1eb342052000e6290061a9b"
            + "e0cd293c8b55f1c3d2524808afc54922080e3539a75addc3cef0f6ad260d588293bb7786e71efa4b9057dad9867afe12dd04cafe9efeb900ccdef76bc7b97ded"
            + "904eabc5df09886d9c1514a610036cb9139cc214001a2958978efcec15712dd3948c6e6b3a8e893df01ff493d1f8d9806a860c5420571bf000020468c2088627"
            + "09062605988002001200003005710e3400512709778cde7190003f6681a99e5ad1895e9fba33e6212d4454e168bcec7112101bf000956ed8e92e42892cb6f2ec"
            + "410881a84ab19da50e1287ba3d926c3a1f755cccf299a120705500020467c3674227090626059880040000c30254f2bca1f70019270962f865ae7100e2076c57"
            + "de870e6288d7d5e7404408b1545efca37d67f77b87e9e54168c25d3ef1a9abf2905ea5e785c01dff23887ad4232d95c7a8fd2c27111a72bd159322dc00020432"
            + "07fc8a270906200149f0d0db000200000000000000022709cafe04eba9006c6a9d1dea55c1616bfe2a2b8f0ff9a8cacaf70374fb1f39e3bef81cbfebef17b722"
            + "8268a0a2a29d3488c752565c6c965cbd6506ec24397cc8a5d9d15285a87f0002045411359b2709062a026ea0d405000000000000000099932709"
        // A compile-time constant: decoding cannot fail.
        return try! Hex.decode(text)
    }()

    public static var world: World {
        // The constant above is a valid world (checked by tests).
        try! World(bytes: bytes)
    }
}
