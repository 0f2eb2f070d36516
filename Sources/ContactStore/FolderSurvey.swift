import ContactCore
import Glibc

/// What the data folder holds before anything is loaded; the lock is taken.
struct FolderSurvey: Sendable {
    var directory: String
    var lockFD: Int32
    /// The count the LAYOUT file names, if there is one.
    var layoutFile: Int?
    /// The layout the data files are in: LAYOUT's, or the one count all files agree on; nil
    /// for a new folder.
    var shardCount: Int?
    var files: [DataDirectory.FileName]
    var temporary: [String]

    /// Creates the folder if needed, locks it and lists it.
    static func take(_ directory: String) throws(StoreError) -> FolderSurvey {
        try DataDirectory.createDirectory(directory)
        let lockFD = try DataDirectory.lock(directory)
        do throws(StoreError) {
            let names = try DataDirectory.list(directory)
            let files = names.compactMap(DataDirectory.FileName.init(parsing:))
            let temporary = names.filter { $0.hasSuffix(DataDirectory.temporarySuffix) }
            let layout = try DataDirectory.readLayout(directory)
            var shardCount = layout
            if shardCount == nil && !files.isEmpty {
                let counts = Set(files.map(\.shards))
                guard counts.count == 1 else {
                    throw StoreError(
                        .damaged,
                        "\(DataDirectory.path(directory, DataDirectory.layoutName)): damaged layout at byte 0 "
                            + "(the file is missing and data files of shard counts \(counts.sorted()) exist)"
                    )
                }
                shardCount = counts.first
            }
            return FolderSurvey(
                directory: directory,
                lockFD: lockFD,
                layoutFile: layout,
                shardCount: shardCount,
                files: files,
                temporary: temporary
            )
        } catch {
            Glibc.close(lockFD)
            throw error
        }
    }
}
