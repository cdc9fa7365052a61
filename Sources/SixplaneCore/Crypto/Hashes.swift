import Crypto
import Foundation  // for [UInt8]: DataProtocol, which swift-crypto's hash functions take

/// The SHA-2 hashes ZeroTier uses, over byte arrays.
public enum Hashes {
    public static func sha512(_ bytes: [UInt8]) -> [UInt8] { Array(SHA512.hash(data: bytes)) }
    public static func sha384(_ bytes: [UInt8]) -> [UInt8] { Array(SHA384.hash(data: bytes)) }
}
