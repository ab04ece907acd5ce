/// When a file in the inbox is complete enough to claim. A regular file modified within
/// `settle` ms may still be being written (a writer that does not use a temporary name); it is
/// left and looked at again later. What settles a file is that it did not change between two
/// looks `settle` ms apart (size, mtime and ctime the same), never its age alone: a file
/// stamped in the future (a clock ahead, `touch -d`, an archive's times) would otherwise never
/// be old enough. A value: the watcher owns one and asks it about each candidate.
struct SettleRule {
    /// What a look at a file saw: its size and times (nanoseconds since the epoch).
    struct Look: Equatable {
        var size: Int64
        var mtime: Int64
        var ctime: Int64
    }

    /// Milliseconds a file must stay unchanged; 0 claims at once.
    var settle: Int
    /// Files seen changing recently: the first look at each in its current form, and when.
    private(set) var looks: [[UInt8]: (look: Look, at: Double)] = [:]
    /// Past this many names the looks start over (each name then waits one more interval).
    let maxLooks: Int

    init(settle: Int, maxLooks: Int = 4096) {
        self.settle = settle
        self.maxLooks = maxLooks
    }

    /// Whether `name`, seen as `look` at `now` (seconds since the epoch), must wait.
    mutating func isSettling(_ name: [UInt8], _ look: Look, now: Double) -> Bool {
        guard settle > 0 else { return false }
        let age = now - Double(look.mtime) / 1e9
        if age * 1000 >= Double(settle) {
            looks[name] = nil
            return false
        }
        if let earlier = looks[name], earlier.look == look {
            if (now - earlier.at) * 1000 >= Double(settle) {
                looks[name] = nil
                return false
            }
            return true
        }
        if looks.count >= maxLooks { looks.removeAll(keepingCapacity: true) }
        looks[name] = (look, now)
        return true
    }
}
