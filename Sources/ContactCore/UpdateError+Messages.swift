// MARK: - The failures of PROTOCOL.md section 6, worded like MongoDB's and naming the path

extension UpdateError {
    /// A path runs through a scalar, `null`, or an array by a name that is not an index.
    static func cannotCreate(field: String, inElement name: String, value: JSON, path: UpdatePath) -> UpdateError {
        UpdateError(
            "Cannot create field \(UpdatePath.quote(field)) in element {\(name): \(Self.render(value))} "
                + "at \(path.quoted)"
        )
    }

    /// The resulting profile's compact text would be `bytes` long, over `limit`.
    static func profileTooLarge(_ bytes: Int, limit: Int) -> UpdateError {
        UpdateError("The profile would be \(bytes) bytes, over the limit of \(limit)")
    }

    /// Two paths of one update overlap.
    static func conflict(path: String, at other: String) -> UpdateError {
        UpdateError("Updating the path \(UpdatePath.quote(path)) would create a conflict at \(UpdatePath.quote(other))")
    }

    /// `$inc` or `$mul` finds a value that is not a number.
    static func nonNumeric(_ operation: UpdateOperator, path: UpdatePath) -> UpdateError {
        UpdateError("Cannot apply \(operation.text) to a value of non-numeric type at \(path.quoted)")
    }

    /// An array operator finds a value that is not an array.
    static func nonArray(_ operation: UpdateOperator, value: JSON, path: UpdatePath) -> UpdateError {
        UpdateError(
            "Cannot apply \(operation.text) to a value of non-array type \(value.typeName) at \(path.quoted)"
        )
    }

    /// A written value would nest the profile too deep.
    static func tooDeep(path: UpdatePath) -> UpdateError {
        UpdateError(
            "Updating the path \(path.quoted) would nest the profile deeper than "
                + "\(UpdateEngine.maximumProfileDepth) levels"
        )
    }

    /// `profile.id` would change.
    static var immutableID: UpdateError {
        UpdateError("Performing an update on the path 'id' would modify the immutable field 'id'")
    }

    /// The compact text of `value`, cut after about 60 bytes with `…`.
    static func render(_ value: JSON) -> String {
        let bytes = JSONWriter.serialize(value)
        let limit = 60
        guard bytes.count > limit else { return String(decoding: bytes, as: UTF8.self) }
        var cut = limit
        while cut > 0, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }  // stay on a UTF-8 boundary
        return String(decoding: bytes[..<cut], as: UTF8.self) + "…"
    }
}
