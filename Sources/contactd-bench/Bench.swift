/// Placeholder: the load generator lands in the next commits.
@main
struct Bench {
    static func main() {}
}
