import ArgumentParser

/// Which update each contact of a batch gets.
enum Mix: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// `$set` of three fields, `$push` of a tag, `$inc` of a counter (Redis: HSET, RPUSH, HINCRBY).
    case seed
    /// `$set` of three fields only (Redis: HSET).
    case set
    /// `$inc` of a counter only (Redis: HINCRBY).
    case inc
}
