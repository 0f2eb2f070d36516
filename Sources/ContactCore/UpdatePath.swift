/// A dotted update path (`address.city`, `tags.0`): its rules, and its walk component by component.
///
/// The walk slices the text in place (`Substring`), so following a path allocates nothing.
struct UpdatePath {
    /// The path as written in the update.
    let text: String
    /// True when the path is known to be one component (no dot), so a walk is one lookup.
    let isSingleComponent: Bool

    /// The path `text`, not yet validated.
    init(_ text: String) {
        self.text = text
        self.isSingleComponent = false
    }

    /// The path `text`, validated with `summary`.
    init(_ text: String, summary: Summary) {
        self.text = text
        self.isSingleComponent = summary.components == 1
    }

    // MARK: - Rules

    /// What validation learns about a path.
    struct Summary {
        /// The number of components.
        var components: Int
        /// A key equal for paths whose first components are equal (their length, first and last
        /// byte): paths with different keys never overlap.
        var firstComponentKey: UInt64
        /// True when the first component is `id` (the path reaches `profile.id`).
        var startsAtID: Bool
        /// True when a component after the first starts with a digit (it may index an array).
        var mayIndexArray: Bool
    }

    /// Checks the rules of PROTOCOL.md section 6.
    ///
    /// A path is not empty, has no empty component, no component starting with `$`, and at most
    /// ``UpdateEngine/maximumProfileDepth`` components.
    func validate() throws(UpdateError) -> Summary {
        let scan: Scan
        if let contiguous = self.text.utf8.withContiguousStorageIfAvailable({ Self.scan($0) }) {
            scan = contiguous
        } else {
            var text = self.text
            scan = text.withUTF8 { Self.scan($0) }
        }
        if self.text.isEmpty {
            throw UpdateError("An empty update path '' is not valid")
        }
        if scan.empty {
            throw UpdateError("The update path \(self.quoted) contains an empty field name, which is not allowed")
        }
        if let dollarAt = scan.dollarAt {
            let utf8 = self.text.utf8
            let start = utf8.index(utf8.startIndex, offsetBy: dollarAt)
            let (component, _) = self.component(at: start)
            throw UpdateError(
                "The update path \(self.quoted) contains the field name \(Self.quote(component)), "
                    + "which starts with '$' and is not allowed"
            )
        }
        if scan.count > UpdateEngine.maximumProfileDepth {
            throw UpdateError(
                "The update path \(self.quoted) has \(scan.count) components, more than the "
                    + "\(UpdateEngine.maximumProfileDepth) levels a profile may nest"
            )
        }
        let idKey = 2 | UInt64(UInt8(ascii: "i")) &<< 32 | UInt64(UInt8(ascii: "d")) &<< 40
        return Summary(
            components: scan.count,
            firstComponentKey: scan.key,
            startsAtID: scan.key == idKey,
            mayIndexArray: scan.mayIndexArray
        )
    }

    /// What one pass over a path's bytes finds.
    private struct Scan {
        var count = 1
        var dollarAt: Int? = nil
        var empty = false
        var firstLength = -1
        var key: UInt64 = 0
        var mayIndexArray = false
    }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> Scan {
        var scan = Scan()
        var componentStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ".") {
                if index == componentStart {
                    scan.empty = true
                    return scan
                }
                if scan.firstLength < 0 { scan.firstLength = index }
                scan.count &+= 1
                componentStart = index &+ 1
            } else if index == componentStart {
                if byte == UInt8(ascii: "$") {
                    scan.dollarAt = index
                    return scan
                }
                if index > 0, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { scan.mayIndexArray = true }
            }
            index &+= 1
        }
        scan.empty = componentStart == bytes.count
        if scan.firstLength < 0 { scan.firstLength = bytes.count }
        if scan.firstLength > 0 {
            // Length, first and last byte of the first component: equal first components agree.
            scan.key =
                UInt64(truncatingIfNeeded: scan.firstLength) | UInt64(bytes[0]) &<< 32
                | UInt64(bytes[scan.firstLength &- 1]) &<< 40
        }
        return scan
    }

    // MARK: - Walking

    /// Where the first component starts.
    var startIndex: String.Index { self.text.startIndex }

    /// The component starting at `start`, and where the next one starts (nil for the last).
    @inline(__always)
    func component(at start: String.Index) -> (name: Substring, next: String.Index?) {
        let utf8 = self.text.utf8
        if let dot = utf8[start...].firstIndex(of: UInt8(ascii: ".")) {
            return (self.text[start..<dot], utf8.index(after: dot))
        }
        return (self.text[start...], nil)
    }

    /// The array index a component names: decimal digits without sign or leading zero.
    ///
    /// An index too large for `Int` is `Int.max` (past the end of any array). Nil when the
    /// component is not an index (then it is a member name, which an array does not have).
    static func arrayIndex(_ component: Substring) -> Int? {
        var component = component
        return component.withUTF8 { self.arrayIndex($0) }
    }

    /// The array index a component's UTF-8 bytes name (see the `Substring` overload).
    static func arrayIndex(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = bytes.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return nil }
        if first == UInt8(ascii: "0") { return bytes.count == 1 ? 0 : nil }
        var value = 0
        var overflow = false
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            if !overflow {
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                if overflow1 || overflow2 { overflow = true } else { value = sum }
            }
        }
        return overflow ? Int.max : value
    }

    // MARK: - Conflicts

    /// True when the paths are equal or one is a component prefix of the other (`a` and `a.b`,
    /// not `a` and `ab`): two operators may not touch both.
    static func overlap(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                let common = Swift.min(left.count, right.count)
                var index = 0
                while index < common {
                    if left[index] != right[index] { return false }
                    index += 1
                }
                if left.count == right.count { return true }
                let longer = left.count > right.count ? left : right
                return longer[common] == UInt8(ascii: ".")
            }
        }
    }

    /// Orders paths component by component (bytewise, a prefix first), so that a path comes right
    /// before the paths inside it.
    static func componentOrder(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                let common = Swift.min(left.count, right.count)
                var index = 0
                while index < common {
                    let a = left[index]
                    let b = right[index]
                    if a != b {
                        if a == UInt8(ascii: ".") { return true }
                        if b == UInt8(ascii: ".") { return false }
                        return a < b
                    }
                    index += 1
                }
                return left.count < right.count
            }
        }
    }

    /// MongoDB's order of applying fields (5.0 and later): component by component, two array
    /// indexes numerically, anything else bytewise; a path before the paths inside it.
    static func applicationOrder(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                var leftStart = 0
                var rightStart = 0
                while leftStart < left.count, rightStart < right.count {
                    let leftEnd = Self.componentEnd(left, from: leftStart)
                    let rightEnd = Self.componentEnd(right, from: rightStart)
                    let a = UnsafeBufferPointer(rebasing: left[leftStart..<leftEnd])
                    let b = UnsafeBufferPointer(rebasing: right[rightStart..<rightEnd])
                    if let first = Self.arrayIndex(a), let second = Self.arrayIndex(b) {
                        if first != second { return first < second }
                    } else if !a.elementsEqual(b) {
                        return a.lexicographicallyPrecedes(b)
                    }
                    leftStart = leftEnd + 1
                    rightStart = rightEnd + 1
                }
                return left.count < right.count
            }
        }
    }

    private static func componentEnd(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] != UInt8(ascii: ".") { index += 1 }
        return index
    }

    // MARK: - Messages

    /// The path in single quotes, shortened when long.
    var quoted: String { Self.quote(self.text) }

    /// `text` in single quotes, cut after about 200 bytes with `…`.
    static func quote(_ text: some StringProtocol) -> String {
        let limit = 200
        guard text.utf8.count > limit else { return "'" + String(text) + "'" }
        var length = 0
        var cut = text.startIndex
        for scalar in text.unicodeScalars {
            let size = UTF8.width(scalar)
            if length + size > limit { break }
            length += size
            cut = text.unicodeScalars.index(after: cut)
        }
        return "'" + String(text[..<cut]) + "…'"
    }
}
