import Synchronization

/// The configuration newsd runs with: read by any stage, replaced by a reload.
public final class RunningConfig: Sendable {
    private let value: Mutex<NewsdConfig>

    public init(_ config: NewsdConfig) {
        value = Mutex(config)
    }

    /// The configuration now.
    public var current: NewsdConfig { value.withLock { $0 } }

    func replace(with new: NewsdConfig) { value.withLock { $0 = new } }
}
