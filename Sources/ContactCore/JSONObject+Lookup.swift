// MARK: - Finding members by the UTF-8 bytes of their names

extension JSONObject {
    /// The position of the member whose name has the UTF-8 bytes `name`.
    @inline(__always)
    func index(ofBytes name: UnsafeBufferPointer<UInt8>) -> Int? {
        for index in 0..<self.members.count where self.members[index].key.utf8.count == name.count {
            let same =
                self.members[index].key.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
                    for offset in 0..<bytes.count where bytes[offset] != name[offset] {
                        return false
                    }
                    return true
                } ?? self.members[index].key.utf8.elementsEqual(name)
            if same { return index }
        }
        return nil
    }

    /// The position of the member named `key`, compared bytewise.
    @inline(__always)
    func index(ofKey key: String) -> Int? {
        if let index = key.utf8.withContiguousStorageIfAvailable({ self.index(ofBytes: $0) }) { return index }
        var key = key
        return key.withUTF8 { self.index(ofBytes: $0) }
    }

    /// The position of the member whose name has the same UTF-8 bytes as `component`.
    func index(ofComponent component: Substring) -> Int? {
        var component = component
        return component.withUTF8 { self.index(ofBytes: $0) }
    }
}
