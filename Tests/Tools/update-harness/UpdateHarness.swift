import ContactCore

/// Placeholder until the differential harness lands.
@main
struct UpdateHarness {
    static func main() {}
}
