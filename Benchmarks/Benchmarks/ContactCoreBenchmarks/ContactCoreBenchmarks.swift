import Benchmark
import ContactCore
import CoreBenchFixtures

// parse+apply+write of seed-shaped contacts, through ContactCore and through JSONSerialization.
//
// Every benchmark does 1000 contacts per iteration (`scalingFactor: .kilo`): the seed contact 1000
// times, or 20 batches of 50. The tables show the figures divided by 1000, so per contact (pass
// `--scale` to see them per iteration instead). Ratios between the two engines come from core-ratio,
// which times them in one process.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )
    let batchesPerIteration = 1_000 / Fixtures.batchSize

    Benchmark("seed contact: ContactCore parse+apply+write") { benchmark throws in
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        for _ in benchmark.scaledIterations {
            output.removeAll(keepingCapacity: true)
            blackHole(
                try CoreWorkload.seedContact(entry: Fixtures.seedEntry, profile: Fixtures.seedProfile, output: &output)
            )
        }
    }

    Benchmark("50-contact batch: ContactCore decode+parse+apply+write") { benchmark throws in
        var output: [UInt8] = []
        output.reserveCapacity(16 << 10)
        for _ in 0..<batchesPerIteration {
            output.removeAll(keepingCapacity: true)
            blackHole(
                try CoreWorkload.batch(line: Fixtures.batchLine, profiles: Fixtures.batchProfiles, output: &output)
            )
        }
    }

    let inputs = FoundationWorkload.Inputs()

    Benchmark("seed contact: JSONSerialization parse+mutate+serialize") { benchmark throws in
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        for _ in benchmark.scaledIterations {
            output.removeAll(keepingCapacity: true)
            blackHole(try FoundationWorkload.seedContact(entry: inputs.entry, profile: inputs.profile, output: &output))
        }
    }

    Benchmark("50-contact batch: JSONSerialization parse+mutate+serialize") { benchmark throws in
        var output: [UInt8] = []
        output.reserveCapacity(16 << 10)
        for _ in 0..<batchesPerIteration {
            output.removeAll(keepingCapacity: true)
            blackHole(try FoundationWorkload.batch(line: inputs.line, profiles: inputs.profiles, output: &output))
        }
    }
}
