import FuzzChecks
import FuzzDriver

/// libFuzzer's entry point: one input through FuzzTarget/snapshot.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshot(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzTarget.snapshot.fuzz(start, count)
}

/// The program's `main` (SwiftPM links `main` to `FuzzSnapshot_main`): libFuzzer's driver.
@_cdecl("FuzzSnapshot_main")
public func fuzzSnapshotMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    contactd_fuzz_main(argc, argv) { data, size in FuzzTarget.snapshot.fuzz(data, size) }
}
