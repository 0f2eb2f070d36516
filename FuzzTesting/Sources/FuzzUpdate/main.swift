import FuzzChecks
import FuzzDriver

/// libFuzzer's entry point: one input through FuzzTarget/update.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUpdate(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzTarget.update.fuzz(start, count)
}

/// The program's `main` (SwiftPM links `main` to `FuzzUpdate_main`): libFuzzer's driver.
@_cdecl("FuzzUpdate_main")
public func fuzzUpdateMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    contactd_fuzz_main(argc, argv) { data, size in FuzzTarget.update.fuzz(data, size) }
}
