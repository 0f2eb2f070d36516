import FuzzChecks
import FuzzDriver

/// libFuzzer's entry point: one input through FuzzTarget/journal.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJournal(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    FuzzTarget.journal.fuzz(start, count)
}

/// The program's `main` (SwiftPM links `main` to `FuzzJournal_main`): libFuzzer's driver.
@_cdecl("FuzzJournal_main")
public func fuzzJournalMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    contactd_fuzz_main(argc, argv) { data, size in FuzzTarget.journal.fuzz(data, size) }
}
