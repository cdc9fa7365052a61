import ArgumentParser
import SixplaneCore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the speed of the crypto primitives and identity work on this machine.",
        discussion: """
            Build with `-c release` for meaningful figures: `swift run -c release sixplane bench`. Throughput is the \
            best of five rounds (the machine may be shared); identity times are averages.
            """
    )

    enum Suite: String, ExpressibleByArgument, CaseIterable {
        case all, crypto, identity
    }

    @Argument(help: "Which benchmarks: all, crypto, identity.") var suite: Suite = .all
    @Option(help: "Seconds per throughput measurement.") var seconds: Double = 1
    @Option(help: "Identity generations and validations to average.") var identities: Int = 20
    @Flag(help: "Print a JSON array instead of a table.") var json = false

    struct Result: Encodable {
        var name: String
        var size: Int?
        var mibPerSecond: Double?
        var millisecondsEach: Double?
        var iterations: Int
    }

    func validate() throws {
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        guard identities > 0, identities <= 10_000 else { throw ValidationError("--identities must be in 1...10000") }
    }

    func run() throws {
        var results: [Result] = []
        if suite != .identity {
            for size in [1400, 65536] {
                results.append(throughput("salsa20/12", size) { buffer, key, _ in
                    var s = Salsa20(key: key, nonce: UnsafeRawBufferPointer(rebasing: key[0..<8]), rounds: 12)
                    s.crypt(buffer)
                })
                results.append(throughput("salsa20/20", size) { buffer, key, _ in
                    var s = Salsa20(key: key, nonce: UnsafeRawBufferPointer(rebasing: key[0..<8]), rounds: 20)
                    s.crypt(buffer)
                })
                results.append(throughput("poly1305", size) { buffer, key, sink in
                    // Feeding the last tag back in keeps the optimizer from hoisting the (pure) call out of the loop.
                    buffer.storeBytes(of: sink, as: UInt64.self)
                    let (a, b) = Poly1305.tag(key: key, message: UnsafeRawBufferPointer(buffer))
                    sink &+= a ^ b
                })
            }
        }
        if suite != .crypto {
            var rng = SystemRandomNumberGenerator()
            var generated: [Identity] = []
            let start = ContinuousClock.now
            for _ in 0..<identities { generated.append(Identity.generate(using: &rng)) }
            let generateTime = ContinuousClock.now - start
            results.append(
                Result(name: "identity generate", millisecondsEach: milliseconds(generateTime) / Double(identities), iterations: identities))
            let vstart = ContinuousClock.now
            var valid = 0
            for id in generated where id.isValid { valid += 1 }
            let validateTime = ContinuousClock.now - vstart
            precondition(valid == generated.count, "a generated identity failed validation")
            results.append(
                Result(name: "identity validate", millisecondsEach: milliseconds(validateTime) / Double(identities), iterations: identities))
        }
        if json {
            try Output.json(results)
            return
        }
        Output.line("benchmark            size     result")
        for r in results {
            let size = r.size.map { String($0) } ?? "-"
            let value =
                r.mibPerSecond.map { String(format2($0)) + " MiB/s" } ?? r.millisecondsEach.map { format2($0) + " ms each" } ?? ""
            Output.line(pad(r.name, 20) + " " + pad(size, 8) + " " + value)
        }
    }

    private func throughput(
        _ name: String, _ size: Int, _ body: (UnsafeMutableRawBufferPointer, UnsafeRawBufferPointer, inout UInt64) -> Void
    ) -> Result {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0x5a)
        let key = UnsafeMutableRawBufferPointer.allocate(byteCount: 32, alignment: 16)
        defer { key.deallocate() }
        for i in 0..<32 { key[i] = UInt8(i &* 7 &+ 1) }
        var sink: UInt64 = 0
        var iterations = 0
        var rates: [Double] = []
        let clock = ContinuousClock()
        // Five rounds; the machine is shared, so the best round is the figure least disturbed by others.
        for _ in 0..<5 {
            var roundIterations = 0
            let start = clock.now
            let deadline = start + .milliseconds(Int(seconds * 200))
            while clock.now < deadline {
                for _ in 0..<64 { body(buffer, UnsafeRawBufferPointer(key), &sink) }
                roundIterations += 64
            }
            let elapsed = clock.now - start
            rates.append(Double(roundIterations * size) / 1_048_576 / seconds(elapsed))
            iterations += roundIterations
        }
        // Keeps the optimizer from discarding the work.
        if sink == 0x1234_5678_9abc_def0 { Output.line("") }
        return Result(name: name, size: size, mibPerSecond: rates.max()!, iterations: iterations)
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    private func milliseconds(_ d: Duration) -> Double { seconds(d) * 1000 }

    private func format2(_ v: Double) -> String {
        let scaled = (v * 100).rounded() / 100
        return String(scaled)
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
