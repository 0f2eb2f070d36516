import FuzzChecks
import FuzzDriver

/// libFuzzer's entry point: one input through FuzzTarget/json.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzTarget.json.fuzz(start, count)
}

/// The program's `main` (SwiftPM links `main` to `FuzzJSON_main`): libFuzzer's driver.
@_cdecl("FuzzJSON_main")
public func fuzzJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    contactd_fuzz_main(argc, argv) { data, size in FuzzTarget.json.fuzz(data, size) }
}
