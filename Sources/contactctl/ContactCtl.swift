/// Placeholder: contactctl lands in the next commits.
@main
struct ContactCtl {
    static func main() {}
}
