import FuzzChecks
import FuzzDriver

/// libFuzzer's entry point: one input through FuzzTarget/framing.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFraming(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzTarget.framing.fuzz(start, count)
}

/// The program's `main` (SwiftPM links `main` to `FuzzFraming_main`): libFuzzer's driver.
@_cdecl("FuzzFraming_main")
public func fuzzFramingMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    contactd_fuzz_main(argc, argv) { data, size in FuzzTarget.framing.fuzz(data, size) }
}
