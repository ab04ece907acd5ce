import Foundation
import NewsProtocol
import NewsSystem

/// `newsctl queue`, `retry` and `drop`: listing the spool and failed/, and acting on failed files.
extension Spool {
    /// Files claimed right now (in the spool), oldest first, at most `limit`.
    func listClaimed(limit: Int, now: Date = Date()) -> [QueueEntry] {
        var out: [QueueEntry] = []
        guard let stream = try? spool.stream() else { return [] }
        while let name = stream.next() {
            guard let st = try? spool.entryStatus(name) else { continue }
            out.append(
                QueueEntry(
                    id: displayName(name), place: .claimed, sizeBytes: Int(st.size),
                    ageSeconds: max(0, now.timeIntervalSince1970 - Double(st.changed.seconds))))
            if out.count >= limit * 4 { break }
        }
        return Array(out.sorted { $0.ageSeconds > $1.ageSeconds }.prefix(limit))
    }

    /// Files in failed/ with their sidecars' reasons, oldest first, at most `limit`.
    func listFailed(limit: Int, now: Date = Date()) -> [QueueEntry] {
        var out: [QueueEntry] = []
        guard let stream = try? failed.stream() else { return [] }
        while let name = stream.next() {
            if name.first == 0x2E { continue }  // .reasons, temporary files
            guard let st = try? failed.entryStatus(name) else { continue }
            let sidecar = readSidecar(name)
            out.append(
                QueueEntry(
                    id: displayName(name), place: .failed, sizeBytes: Int(st.size),
                    ageSeconds: max(0, now.timeIntervalSince1970 - Double(st.modified.seconds)), attempts: sidecar?.attempts,
                    code: sidecar?.code, reason: sidecar?.reason, originalName: sidecar?.originalName))
        }
        return Array(out.sorted { $0.ageSeconds > $1.ageSeconds }.prefix(limit))
    }

    /// The failed files matching `ids` (names in failed/), or `code`, or every one when both
    /// are empty. Unknown ids are returned separately.
    func selectFailed(ids: [String], code: String?) -> (found: [[UInt8]], unknown: [String]) {
        var byName: [String: [UInt8]] = [:]
        var matching: [[UInt8]] = []
        guard let stream = try? failed.stream() else { return ([], ids) }
        while let name = stream.next() {
            if name.first == 0x2E { continue }
            byName[displayName(name)] = name
            if ids.isEmpty && (code == nil || readSidecar(name)?.code == code) { matching.append(name) }
        }
        if ids.isEmpty { return (matching, []) }
        return (ids.compactMap { byName[$0] }, ids.filter { byName[$0] == nil })
    }

    /// Moves a failed file back into the inbox (under its name, or a unique one if the inbox
    /// holds that name now) and removes its sidecar: newsd claims it again like a new file.
    /// Returns the inbox name.
    func retryFailed(_ name: [UInt8]) throws -> String {
        let target = try moveUnique(name, from: failed, to: inbox)
        removeSidecar(name)
        return displayName(target)
    }

    /// The number of failed files: what failed/ holds now, whoever added or removed them.
    func failedCount() -> Int {
        failed.count { $0.first != 0x2E }
    }

    /// Moves sidecars of the old layout (`failed/NAME.json` beside `failed/NAME`) into
    /// `failed/.reasons/NAME`. Only a file that decodes as a sidecar naming `NAME` is moved, so a
    /// failed input file called `x.json` stays where it is. Returns how many moved.
    @discardableResult
    func moveLegacySidecars() -> Int {
        guard let stream = try? failed.stream() else { return 0 }
        let suffix = Array(".json".utf8)
        var moved = 0
        while let name = stream.next() {
            guard name.count > suffix.count, name.first != 0x2E, name.suffix(suffix.count).elementsEqual(suffix) else { continue }
            let owner = Array(name.dropLast(suffix.count))
            guard let sidecar = readJSON(name, in: failed), sidecar.file == displayName(owner) else { continue }
            if (try? failed.renameEntry(name, to: owner, in: reasons)) != nil { moved += 1 }
        }
        return moved
    }

    /// Deletes a failed file and its sidecar.
    func dropFailed(_ name: [UInt8]) throws {
        try failed.removeEntry(name)
        removeSidecar(name)
    }

    private func removeSidecar(_ name: [UInt8]) {
        _ = try? reasons.removeEntry(name)
    }

    private func readSidecar(_ name: [UInt8]) -> FailedSidecar? {
        readJSON(name, in: reasons)
    }

    private func readJSON(_ name: [UInt8], in dir: Directory) -> FailedSidecar? {
        guard let file = try? dir.openForReading(name) else { return nil }
        var data = [UInt8](repeating: 0, count: 64 * 1024)
        guard let n = try? file.read(into: &data), n > 0 else { return nil }
        return try? JSONDecoder().decode(FailedSidecar.self, from: Data(data[0..<n]))
    }
}
